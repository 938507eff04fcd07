"""``python -m spruce.cli``: the ``spruce`` command without the console script."""

from . import main

if __name__ == "__main__":
    main()
