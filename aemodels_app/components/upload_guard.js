// Files over the upload limit never reach Streamlit's uploader, which would refuse them with a tooltip that only
// shows on hover (never on a phone) and keep them listed. Instead the file is dropped here and Python is told
// (trigger value "rejected": {name, size}), so the page shows one plain message.
export default function (component) {
  const { data, setTriggerValue } = component;
  const inside = (target) => target instanceof Element && target.closest(data.scope);
  const tooBig = (files) => Array.from(files || []).find((file) => file.size > data.limit);
  const reject = (event, file) => {
    event.stopImmediatePropagation();
    event.preventDefault();
    if (event.target instanceof HTMLInputElement) event.target.value = "";
    setTriggerValue("rejected", { name: file.name, size: file.size });
  };
  const onChange = (event) => {
    if (!inside(event.target) || !(event.target instanceof HTMLInputElement)) return;
    const file = tooBig(event.target.files);
    if (file) reject(event, file);
  };
  const onDrop = (event) => {
    if (!inside(event.target)) return;
    const file = tooBig(event.dataTransfer && event.dataTransfer.files);
    if (file) reject(event, file);
  };
  // Capture phase on the document: before the uploader's own handlers see the file.
  document.addEventListener("change", onChange, true);
  document.addEventListener("input", onChange, true);
  document.addEventListener("drop", onDrop, true);
  return () => {
    document.removeEventListener("change", onChange, true);
    document.removeEventListener("input", onChange, true);
    document.removeEventListener("drop", onDrop, true);
  };
}
