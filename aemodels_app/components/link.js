// The link to the view on the screen: the address bar's own URL, which the app keeps up to date with every setting
// (a fragment's run writes it too, where a link drawn by the server would stay as the last full run left it), and a
// button that copies it. The history API fires no event when the app rewrites the URL, so the text looks again
// twice a second (a string comparison).
export default function (component) {
  const { parentElement } = component;
  let root = parentElement.querySelector(".link");
  if (!root) {
    root = document.createElement("div");
    root.className = "link";
    const input = document.createElement("input");
    input.readOnly = true;
    input.setAttribute("aria-label", "Link to this view");
    input.onfocus = () => input.select();
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = "Copy";
    root.append(input, button);
    parentElement.append(root);
  }
  const [input, button] = root.children;
  const show = () => {
    if (input.value !== window.location.href) input.value = window.location.href;
  };
  show();
  window.clearInterval(root.__timer);
  root.__timer = window.setInterval(() => (root.isConnected ? show() : window.clearInterval(root.__timer)), 500);
  button.onclick = async () => {
    show();
    input.focus();
    input.select();
    try {
      await navigator.clipboard.writeText(input.value);
      button.textContent = "Copied";
    } catch {
      // No clipboard access (a page served over plain http from another machine): the link is selected instead.
      button.textContent = "Press Ctrl+C";
    }
    window.setTimeout(() => (button.textContent = "Copy"), 2000);
  };
}
