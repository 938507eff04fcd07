// The demo's only script: a "characters left" hint under text areas that have data-counter.
document.documentElement.classList.add("js");

for (const field of document.querySelectorAll("textarea[data-counter]")) {
  const output = document.getElementById(field.dataset.counter);
  const update = () => {
    const left = field.maxLength - field.value.length;
    output.textContent = `${left} character${left === 1 ? "" : "s"} left`;
  };
  field.addEventListener("input", update);
  update();
}
