"""The top-level API is pinned: adding or removing a name is a deliberate change."""

import spruce

EXPECTED = [
    "Body",
    "Cookie",
    "EventSourceResponse",
    "FileResponse",
    "HTMLResponse",
    "HTTPException",
    "Header",
    "ImproperlyConfigured",
    "JSONResponse",
    "PlainTextResponse",
    "Provide",
    "Query",
    "RedirectResponse",
    "Request",
    "Response",
    "Router",
    "ServerSentEvent",
    "Settings",
    "Spruce",
    "StreamingResponse",
    "UploadFile",
    "WebSocket",
    "WebSocketDisconnect",
    "abort",
    "render",
]


def test_all_is_pinned_and_sorted():
    assert spruce.__all__ == EXPECTED
    assert spruce.__all__ == sorted(spruce.__all__)


def test_every_name_resolves():
    for name in spruce.__all__:
        assert getattr(spruce, name) is not None


def test_unknown_name_is_an_attribute_error():
    import pytest

    with pytest.raises(AttributeError):
        spruce.NotAThing  # noqa: B018
