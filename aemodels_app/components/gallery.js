// Clickable thumbnails of test digits: a click on one chooses it (trigger value "chosen": its index).
export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  let root = parentElement.querySelector(".gallery");
  if (!root) {
    root = document.createElement("div");
    root.className = "gallery";
    root.setAttribute("role", "listbox");
    parentElement.append(root);
  }
  root.replaceChildren(
    ...data.items.map((item) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "thumb" + (item.index === data.selected ? " selected" : "");
      button.title = `Choose test digit #${item.index} (a ${item.label})`;
      button.setAttribute("aria-label", button.title);
      button.dataset.index = String(item.index);
      const image = document.createElement("img");
      image.src = item.src;
      image.alt = `digit ${item.label}`;
      const caption = document.createElement("span");
      caption.textContent = `#${item.index}: ${item.label}`;
      button.append(image, caption);
      button.onclick = () => setTriggerValue("chosen", item.index);
      return button;
    }),
  );
}
