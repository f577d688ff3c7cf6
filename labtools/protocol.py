"""A Streamlit user without a browser: Streamlit's own websocket protocol, spoken from Python.

The browser and the server exchange protobuf messages over `/_stcore/stream` (`streamlit.proto`): the browser sends
a `BackMsg` (`rerun_script` with the page, the query string and the widgets' states; `file_urls_request` before an
upload) and the server answers with `ForwardMsg`s (the page's elements, `page_info_changed`, `script_finished`).
Uploads go over HTTP to the upload endpoint, with the XSRF cookie echoed in a header; pictures are fetched from
the media endpoint. `Client` does what the browser does on the wire, so a load test can run a hundred users on
the machine the server runs on (a headless Chromium costs about three times the server's CPU per step).

`user()` is the load test's step script (bench/protocol_load.py, tests/browser/test_protocol.py): it fails loudly
when a page no longer has the widgets or the results it expects.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import random
import time
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from typing import Any

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.NumberInput_pb2 import NumberInput
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.runtime.state.common import user_key_from_element_id
from websockets.asyncio.client import ClientConnection, connect

from labtools.samples import photo_bytes

XSRF_COOKIE = "_streamlit_xsrf"
SIDEBAR = 1  # the first index of a sidebar element's delta path (0 is the main area)


class StepError(RuntimeError):
    """A step went wrong the way a user would see it: an error on the page, a result that never came, a refusal."""


@dataclass
class Widget:
    id: str
    kind: str  # the Element oneof: slider, number_input, button_group, checkbox, button, file_uploader, ...
    fragment: str  # the fragment it is drawn in ("" for the page's own run)
    proto: Any  # the element's message as last sent (range, step, current value)
    sidebar: bool  # drawn in the sidebar (it stays when the page changes)


@dataclass
class Run:
    """What one script run sent: the text on the page (markdown, captions, headings), pictures, problems; and when,
    in seconds after the request was sent: its first picture, its end (None while they have not come)."""

    texts: list[str] = field(default_factory=list)
    media: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    began: float = field(default_factory=time.perf_counter)
    first_picture: float | None = None
    finished: float | None = None


class Client:
    """One user's session: `await open(path)`, then steps (`set`, `click`, `switch`, `upload`), then `close()`."""

    def __init__(self, base_url: str, *, timeout: float = 60.0, fetch_media: bool = True) -> None:
        self.base = base_url.rstrip("/")
        self.timeout = timeout
        self.fetch_media = fetch_media
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.ws: ClientConnection | None = None
        self.session_id = ""
        self.query = ""
        self.pages: dict[str, str] = {}  # url path ("" for the default page) -> page script hash
        self.page = ""
        self.widgets: dict[str, Widget] = {}  # by the widget's key
        self.sent: dict[str, Any] = {}  # the value this user last gave each widget, by key
        self.run = Run()
        self._finished: asyncio.Future[int] | None = None
        self._uploads: dict[str, asyncio.Future[Any]] = {}
        self._reader: asyncio.Task[None] | None = None
        self._fetches: list[asyncio.Future[bytes]] = []  # pictures fetched as they come, as the browser does
        self.auto_reruns: dict[str, float] = {}  # fragment id -> seconds: fragments the browser reruns by itself
        self.opener.addheaders = [("Accept-Encoding", "gzip, deflate"), ("User-Agent", "aemodels-protocol-driver")]

    # --- HTTP (what the browser fetches besides the websocket) -----------------------------------------------
    def _get(self, path: str) -> bytes:
        with self.opener.open(self.base + path, timeout=self.timeout) as response:
            return bytes(response.read())

    def _cookie(self, name: str) -> str:
        return next((c.value or "" for c in self.jar if c.name == name), "")

    def _cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)

    # --- the websocket ------------------------------------------------------------------------------------------
    async def open(self, path: str = "", query: str = "") -> float:
        """Load the page the way a browser does (the HTML, the health check that sets the XSRF cookie, the
        websocket, the first run, with the link's `query` string); seconds until the first run has finished and
        its pictures are fetched."""
        began = time.perf_counter()
        await asyncio.to_thread(self._get, f"/{path}")
        await asyncio.to_thread(self._get, "/_stcore/health")
        url = "ws" + self.base.removeprefix("http") + "/_stcore/stream"
        xsrf = self._cookie(XSRF_COOKIE)
        self.ws = await connect(
            url,
            subprotocols=["streamlit", xsrf] if xsrf else ["streamlit"],  # type: ignore[list-item]
            additional_headers={"Cookie": self._cookie_header(), "Origin": self.base},
            max_size=None,
            open_timeout=self.timeout,
        )
        self._reader = asyncio.create_task(self._read())
        self.page, self.query = path, query
        await self._rerun(page_name=path)
        return time.perf_counter() - began

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader

    async def _read(self) -> None:
        assert self.ws is not None
        try:
            async for data in self.ws:
                message = ForwardMsg()
                message.ParseFromString(data if isinstance(data, bytes) else data.encode())
                self._take(message)
        except Exception as err:  # the connection died: whoever waits hears it
            self._fail(f"the connection closed: {err!r}")
            raise
        self._fail("the server closed the connection")

    def _fail(self, why: str) -> None:
        if self._finished is not None and not self._finished.done():
            self._finished.set_exception(StepError(why))
        for waiting in self._uploads.values():
            if not waiting.done():
                waiting.set_exception(StepError(why))

    def _take(self, message: ForwardMsg) -> None:
        kind = message.WhichOneof("type")
        if kind == "new_session":
            self.session_id = message.new_session.initialize.session_id
        elif kind == "navigation":
            self.pages = {p.url_pathname: p.page_script_hash for p in message.navigation.app_pages}
        elif kind == "page_info_changed":
            self.query = message.page_info_changed.query_string
        elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            sidebar = bool(message.metadata.delta_path) and message.metadata.delta_path[0] == SIDEBAR
            self._element(message.delta.new_element, message.delta.fragment_id, sidebar)
        elif kind == "auto_rerun":
            self.auto_reruns[message.auto_rerun.fragment_id] = message.auto_rerun.interval
        elif kind == "stop_auto_rerun":
            for fragment in message.stop_auto_rerun.fragment_ids:
                self.auto_reruns.pop(fragment, None)
        elif kind == "file_urls_response":
            waiting = self._uploads.pop(message.file_urls_response.response_id, None)
            if waiting is not None and not waiting.done():
                waiting.set_result(message.file_urls_response)
        elif kind == "script_finished":
            status = message.script_finished
            if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                self.run.errors.append("the script did not compile")
            if status != ForwardMsg.FINISHED_EARLY_FOR_RERUN and self._finished and not self._finished.done():
                self.run.finished = time.perf_counter() - self.run.began
                self._finished.set_result(status)

    def _element(self, element: Any, fragment: str, sidebar: bool) -> None:
        which = element.WhichOneof("type")
        inner = getattr(element, which)
        if which == "exception":
            self.run.errors.append(f"{inner.type}: {inner.message}")
        elif which == "alert" and inner.format == Alert.ERROR:
            self.run.errors.append(inner.body)
        elif which in ("markdown", "heading", "alert"):
            self.run.texts.append(inner.body)
        elif which == "imgs":
            if self.run.first_picture is None:
                self.run.first_picture = time.perf_counter() - self.run.began
            for image in inner.imgs:
                self.run.texts.append(image.caption)
                if image.url.startswith("/media/") and image.url not in self.run.media:
                    self.run.media.append(image.url)
                    if self.fetch_media:  # at once, like the browser (the run goes on meanwhile)
                        self._fetches.append(asyncio.ensure_future(asyncio.to_thread(self._get, image.url)))
        widget_id = getattr(inner, "id", "") if which not in ("exception", "markdown", "heading", "alert") else ""
        key = user_key_from_element_id(widget_id) if widget_id.startswith("$$ID-") else None
        if key:
            self.widgets[key] = Widget(widget_id, which, fragment, inner, sidebar)

    async def _rerun(
        self, *, page_name: str = "", page_hash: str = "", states: list[WidgetState] | None = None, fragment: str = ""
    ) -> Run:
        """Ask for a run and wait until it has finished and its pictures are fetched; a problem on the page, a
        run that never finishes or a dropped connection raises StepError."""
        if self.ws is None:
            raise StepError("not connected")
        message = BackMsg()
        rerun = message.rerun_script
        rerun.query_string = self.query
        rerun.page_name = page_name
        rerun.page_script_hash = page_hash or self.pages.get(self.page, "")
        rerun.fragment_id = fragment
        rerun.context_info.timezone, rerun.context_info.locale = "UTC", "en-US"
        rerun.context_info.url = f"{self.base}/{self.page}" + (f"?{self.query}" if self.query else "")
        rerun.widget_states.widgets.extend(states or [])
        self.run = Run()
        if not fragment:  # a full run draws every element again (and registers its timed fragments); a fragment's
            self.widgets = {}  # run only its own
            self.auto_reruns = {}
        self._finished = asyncio.get_running_loop().create_future()
        await self.ws.send(message.SerializeToString())
        try:
            await asyncio.wait_for(self._finished, self.timeout)
        except TimeoutError:
            raise StepError(f"no answer within {self.timeout:.0f} s") from None
        fetches, self._fetches = self._fetches, []
        try:
            await asyncio.wait_for(asyncio.gather(*fetches), self.timeout)
        except TimeoutError:
            raise StepError(f"the pictures did not come within {self.timeout:.0f} s") from None
        except OSError as err:
            raise StepError(f"a picture could not be fetched: {err}") from None
        if self.run.errors:
            raise StepError("; ".join(self.run.errors)[:500])
        return self.run

    # --- steps a user takes -------------------------------------------------------------------------------------
    def _in_sidebar(self, widget_id: str) -> bool:
        return any(w.id == widget_id and w.sidebar for w in self.widgets.values())

    def widget(self, key: str) -> Widget:
        if key not in self.widgets:
            raise StepError(f"the page ({self.page or 'start'}) has no widget {key!r}")
        return self.widgets[key]

    def current(self, key: str) -> Any:
        """A widget's value as the browser would show it: set by the app in this run, else the user's last, else
        its default (a slider's and a segmented control's as one value)."""
        w = self.widget(key)
        p = w.proto
        if w.kind == "slider" and p.options:  # a select slider: its value is the chosen option's label
            if p.set_value and p.raw_value:
                labels = list(p.raw_value)
                return labels[0] if len(labels) == 1 else labels
            return self.sent.get(key, p.options[int(p.default[0])] if p.default else p.options[0])
        if w.kind in ("checkbox", "slider", "number_input") and p.set_value:
            value = list(p.value) if w.kind == "slider" else p.value
        elif key in self.sent:
            return self.sent[key]
        elif w.kind == "button_group":  # a segmented control: one choice, or None when none is chosen
            value = [p.options[i].content for i in p.default] or [None]
        elif w.kind == "selectbox":
            value = p.raw_value if p.set_value else (p.options[p.default] if p.HasField("default") else None)
        else:
            value = list(p.default) if w.kind == "slider" else p.default
        return value[0] if isinstance(value, list) and len(value) == 1 else value

    def _state(self, w: Widget, value: Any) -> WidgetState:
        state = WidgetState(id=w.id)
        if w.kind in ("checkbox", "toggle"):
            state.bool_value = bool(value)
        elif w.kind == "slider" and w.proto.options:  # a select slider sends its option's label, as the browser does
            state.string_array_value.data.extend([str(value)])
        elif w.kind == "slider":
            state.double_array_value.data.extend([float(value)])
        elif w.kind == "number_input":
            if w.proto.data_type == NumberInput.INT:
                state.int_value = int(value)
            else:
                state.double_value = float(value)
        elif w.kind == "button_group":
            state.string_array_value.data.extend([str(value)])
        elif w.kind == "selectbox":
            state.string_value = str(value)
        else:
            raise StepError(f"setting a {w.kind} is not something this client does")
        return state

    def _states(self, changed: WidgetState | None = None) -> list[WidgetState]:
        """What the browser sends with every run: the state of every value widget on the page (the changed one
        with its new value; buttons only when clicked, uploaders only with a file, components' own states not)."""
        states = {}
        for key, w in self.widgets.items():
            if w.kind in ("checkbox", "slider", "number_input") or (
                w.kind in ("button_group", "selectbox") and self.current(key) is not None
            ):
                states[w.id] = self._state(w, self.current(key))
        if changed is not None:
            states[changed.id] = changed
        return list(states.values())

    async def set(self, key: str, value: Any) -> Run:
        """Change a widget the way its browser element does and wait for the run (the fragment's, if it is in one)."""
        w = self.widget(key)
        if w.kind == "slider" and w.proto.options and value not in w.proto.options:  # a select slider: by label
            raise StepError(f"{key} offers no {value!r} (it offers {', '.join(w.proto.options)})")
        state = self._state(w, value)
        self.sent[key] = value
        return await self._rerun(states=self._states(state), fragment=w.fragment)

    async def click(self, key: str) -> Run:
        w = self.widget(key)
        return await self._rerun(states=self._states(WidgetState(id=w.id, trigger_value=True)), fragment=w.fragment)

    async def poll(self) -> Run | None:
        """Rerun the page's self-refreshing fragments once, as the browser does on their timer (None: it has none)."""
        run = None
        for fragment in list(self.auto_reruns):
            run = await self._rerun(states=self._states(), fragment=fragment)
        return run

    async def switch(self, path: str) -> Run:
        """Go to another page through the navigation (the browser sends the page's hash, no query string)."""
        if path not in self.pages:
            raise StepError(f"the app has no page {path!r}")
        self.page, self.query = path, ""
        states = [s for s in self._states() if self._in_sidebar(s.id)]  # the page's own widgets are gone
        return await self._rerun(page_hash=self.pages[path], states=states)

    async def upload(self, key: str, name: str, data: bytes, mime: str) -> Run:
        """Upload one file into a file uploader: ask for its URL over the websocket, PUT it, then rerun."""
        w = self.widget(key)
        if self.ws is None:
            raise StepError("not connected")
        request = BackMsg()
        request.file_urls_request.request_id = uuid.uuid4().hex
        request.file_urls_request.file_names.append(name)
        request.file_urls_request.session_id = self.session_id
        answer = asyncio.get_running_loop().create_future()
        self._uploads[request.file_urls_request.request_id] = answer
        await self.ws.send(request.SerializeToString())
        urls = await asyncio.wait_for(answer, self.timeout)
        if urls.error_msg or not urls.file_urls:
            raise StepError(f"the server gave no upload URL: {urls.error_msg}")
        target = urls.file_urls[0]
        await asyncio.to_thread(self._put, target.upload_url, name, data, mime)
        state = WidgetState(id=w.id)
        info = state.file_uploader_state_value.uploaded_file_info.add()
        info.name, info.size, info.file_id = name, len(data), target.file_id
        info.file_urls.CopyFrom(target)
        return await self._rerun(states=self._states(state), fragment=w.fragment)

    def _put(self, upload_url: str, name: str, data: bytes, mime: str) -> None:
        boundary = uuid.uuid4().hex
        body = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            f"Content-Type: {mime}\r\n\r\n".encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        url = upload_url if upload_url.startswith("http") else self.base + upload_url
        request = urllib.request.Request(
            url,
            data=body,
            method="PUT",
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "X-Xsrftoken": urllib.parse.unquote(self._cookie(XSRF_COOKIE)),
            },
        )
        with self.opener.open(request, timeout=self.timeout) as response:
            if response.status >= 300:
                raise StepError(f"the upload was refused ({response.status})")


@functools.cache
def upload_photo() -> bytes:
    """The photo every user uploads (bench/load.py's): encoded once per driver process."""
    return photo_bytes("JPEG", index=3)


# --- the load test's user ---------------------------------------------------------------------------------------
STEPS = ("digit", "slider", "switch", "upload", "back")


def expect(run: Run, text: str, step: str) -> None:
    if not any(text in t for t in run.texts):
        raise StepError(f"{step}: the page never said {text!r}")


async def first_page(client: Client) -> float:
    """Open the Latent sliders page and turn live dragging off (the sliders then load the server)."""
    seconds = await client.open("latent")
    if client.current("latent_live"):
        await client.set("latent_live", False)
    expect(client.run, "Decoded from the sliders", "first page")
    return seconds


def first_slider(client: Client) -> tuple[str, float]:
    """The first latent slider and a value one step away from its current one (away from an end it sits at)."""
    for key, w in client.widgets.items():
        if w.kind == "slider" and key.startswith("latent_") and key != "latent_steps":
            now, high, step = client.current(key), w.proto.max, w.proto.step
            return key, now - step if now + step > high else now + step
    raise StepError("the Latent sliders page shows no server slider")


async def step(client: Client, kind: str, number: int) -> None:
    """One step of the user's loop (the loop of bench/load.py's browsers): pick a test digit by index, move a
    latent slider, switch to Denoising and choose Upload, upload a photo, switch back to the sliders."""
    if kind == "digit":
        if client.current("digit_source") not in (None, "Test digit"):  # the app reads no choice as Test digit
            await client.set("digit_source", "Test digit")
        run = await client.set("digit_index", number % 2000)
        expect(run, f"Starting point: test digit #{number % 2000} (", "digit")
    elif kind == "slider":
        key, value = first_slider(client)
        run = await client.set(key, value)
        expect(run, "Decoded from the sliders", "slider")
    elif kind == "switch":
        run = await client.switch("denoise")
        expect(run, "Denoising", "switch")
        await client.set("digit_source", "Upload")
    elif kind == "upload":
        run = await client.upload("digit_upload", "photo.jpg", upload_photo(), "image/jpeg")
        expect(run, "What the model receives", "upload")
    elif kind == "back":
        run = await client.switch("latent")
        if client.current("latent_live"):
            run = await client.set("latent_live", False)
        expect(run, "Decoded from the sliders", "back")
    else:
        raise ValueError(f"unknown step {kind!r}")


@dataclass
class Log:
    """What users did: every step as (its start on time.perf_counter(), kind, seconds), and the errors."""

    steps: list[tuple[float, str, float]] = field(default_factory=list)
    errors: list[tuple[int, str, str]] = field(default_factory=list)

    def add(self, kind: str, began: float, seconds: float) -> None:
        self.steps.append((began, kind, seconds))

    @property
    def latency(self) -> dict[str, list[float]]:
        """Seconds by kind of step."""
        result: dict[str, list[float]] = {}
        for _, kind, seconds in self.steps:
            result.setdefault(kind, []).append(seconds)
        return result


async def user(
    base_url: str, number: int, deadline: float, log: Log, *, every: float = 5.0, arrive: float = 0.0
) -> None:
    """One user until `deadline` (a time.perf_counter() time): arrives after `arrive` seconds, opens the first page,
    then starts a step every `every` seconds (a step that takes longer delays the next). Errors go to the log."""
    await asyncio.sleep(arrive)
    client = Client(base_url)
    rng = random.Random(number)
    kind = "first page"
    try:
        began = time.perf_counter()
        log.add(kind, began, await first_page(client))
        count = 0
        next_step = time.perf_counter() + rng.uniform(0, every)  # users do not click in step with each other
        while True:
            await asyncio.sleep(max(0.0, next_step - time.perf_counter()))
            if time.perf_counter() >= deadline:
                break
            kind = STEPS[count % len(STEPS)]
            began = time.perf_counter()
            await step(client, kind, number * 37 + count + 1)
            log.add(kind, began, time.perf_counter() - began)
            count += 1
            next_step = began + every
    except Exception as err:  # a failed step is an error of the run, not of the script
        log.errors.append((number, kind, repr(err)[:300]))
    finally:
        await client.close()
