"""The lesson player: the step's panel at the top of every page, the step's view set as its link would set it, the
sidebar's lessons (the shipped ones, a file of the user's own) and the maker of a lesson from the user's views.

The lesson and its step live in the app's fields (state.LESSON, state.LESSON_STEP), so every page's link carries
them: a reload, a shared link or a failover opens the same step, with the view the link carries (a control the
student moved included). Setting a step's view is what opening its link would do: its page's settings reset to
their defaults, then the step's own applied through the same parsers, then a switch to its page."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

import streamlit as st

from aemodels_app import state
from aemodels_app.lessons import (
    MAX_LESSON_BYTES,
    MAX_TEXT,
    MAX_TITLE,
    MAX_TRY,
    SHIPPED,
    Lesson,
    LessonError,
    Step,
    encode,
    load,
    parse,
    shipped,
    shown,
    to_toml,
)
from aemodels_app.pages import registry
from aemodels_app.text import inert

PANEL = "lesson_panel"  # the step's container (its CSS class st-key-lesson_panel keeps it in view)
PENDING = "lesson_pending"  # the page a step's view is on, switched to at the top of the next run
OPENED = "lesson_opened"  # set once the session's first run has opened the link's step
UPLOAD_OPEN = "lesson_upload_open"  # the toggle that shows the uploader (the sidebar has no second file box until then)
UPLOAD = "lesson_upload"  # the file uploader (the file is read once, then only its text is kept)
UPLOADED_TEXT = "lesson_uploaded_text"  # an uploaded lesson too long for a link: its TOML, for this session only
UPLOAD_NOTE = "lesson_upload_note"  # why the last uploaded file cannot be played
BACK, NEXT, AGAIN, LEAVE = "lesson_back", "lesson_next", "lesson_again", "lesson_leave"
MAKER = "lesson_maker"  # the steps collected from the user's views: [{"id", "page", "settings"}]
MAKER_TITLE = "lesson_maker_title"
MAKER_ADD = "lesson_maker_add"
MAKER_PLAY = "lesson_maker_play"
MAKER_CLEAR = "lesson_maker_clear"
MAKER_DOWNLOAD = "lesson_maker_download"
MAX_NOTES_SHOWN = 8


def start_key(name: str) -> str:
    """The button that starts a shipped lesson (on the Start page and in the sidebar)."""
    return f"lesson_start_{name}"


def maker_text_key(step_id: str) -> str:
    return f"lesson_maker_text_{step_id}"


def maker_try_key(step_id: str) -> str:
    return f"lesson_maker_try_{step_id}"


def maker_remove_key(step_id: str) -> str:
    return f"lesson_maker_remove_{step_id}"


# --- Playing -----------------------------------------------------------------------------------------------------


def playing() -> Lesson | str | None:
    """The lesson this session plays, the plain reason it cannot be played, or None for no lesson."""
    ref = st.session_state.get(state.LESSON)
    if ref is None:
        return None
    try:
        return load(ref, st.session_state.get(UPLOADED_TEXT))
    except LessonError as err:
        return str(err)


def step_number(lesson: Lesson) -> int:
    return max(1, min(len(lesson.steps), int(st.session_state.get(state.LESSON_STEP) or 1)))


def set_view(step: Step) -> None:
    """Set the step's view as opening its link would: the page's settings at their defaults, then the step's, and
    the app's digit where the step gives it (else the student keeps their own). Safe in a callback and at the top
    of a run, before any widget is drawn."""
    if step.page is None:
        return
    fields = [f for f in state.fields_for(step.page) if f not in state.LESSON_FIELDS]
    parsed, _ = state.parse_query(fields, step.settings)  # checked when the lesson was read: nothing is refused
    ss = st.session_state
    for f in registry()[step.page].fields:
        if f.store is not None:
            if f.key in parsed:
                f.store(parsed[f.key])
        else:
            ss[f.key] = parsed.get(f.key, state.default_of(f))
    for f in state.APP_FIELDS:
        if f.key in parsed:
            ss[f.key] = parsed[f.key]
    ss[PENDING] = step.page


def go_to(number: int) -> None:
    """A button's callback: step `number` of the lesson, with its view."""
    lesson = playing()
    if not isinstance(lesson, Lesson):
        return
    number = max(1, min(len(lesson.steps), number))
    st.session_state[state.LESSON_STEP] = number
    set_view(lesson.steps[number - 1])


def open_lesson(ref: str, uploaded: str | None = None) -> None:
    """A button's callback: start the lesson `ref` (state.LESSON) at its first step."""
    st.session_state[state.LESSON] = ref
    st.session_state[UPLOADED_TEXT] = uploaded
    go_to(1)


def leave() -> None:
    """A button's callback: the lesson ends; the view stays as it is."""
    st.session_state[state.LESSON] = None
    st.session_state[state.LESSON_STEP] = 1
    st.session_state[UPLOADED_TEXT] = None


def begin_run(page: str) -> None:
    """At the top of every run, before any widget: switch to the page a step's view is on; on the session's first
    run, open the step the link names, unless the link is on the step's page and carries a view of its own (a link
    made during the step, or a reload, a control the student moved included, is kept as it is)."""
    ss = st.session_state
    pending = ss.pop(PENDING, None)
    if pending is not None and pending != page and pending in registry():
        st.switch_page(registry()[pending].path)
    if OPENED in ss:
        return
    ss[OPENED] = True
    lesson = playing()
    if isinstance(lesson, str):
        state.add_note(page, f"lesson: {lesson}")
        leave()
    elif isinstance(lesson, Lesson):
        step = lesson.steps[step_number(lesson) - 1]
        bare = set(st.query_params.to_dict()) <= {f.param for f in state.LESSON_FIELDS}
        if step.page is not None and (step.page != page or bare):
            set_view(step)
            ss.pop(PENDING, None)
            if step.page != page:
                notes = ss.get(state.NOTES)
                if notes and notes.page == page:  # the link's notes go to the page the step opens
                    ss[state.NOTES] = replace(notes, page=step.page)
                st.switch_page(registry()[step.page].path)


def panel(page: str) -> None:
    """The step's text at the top of the page, with Back, Next, the step counter and the way out."""
    lesson = playing()
    if lesson is None:
        return
    if isinstance(lesson, str):
        with st.container(key=PANEL, border=True):
            st.warning(inert(f"This lesson cannot be played: {lesson}."))
            st.button("Leave the lesson", key=LEAVE, on_click=leave, icon=":material/close:")
        return
    number = step_number(lesson)
    step = lesson.steps[number - 1]
    with st.container(key=PANEL, border=True):
        st.markdown(f"**{inert(lesson.title)}** · Step {number} of {len(lesson.steps)}")
        if step.text:
            st.markdown(shown(step.text))
        if step.try_this:
            st.markdown(f"**Try this:** {inert(step.try_this)}")
        notes = [*lesson.notes, *step.notes]
        if notes:
            more = f" (and {len(notes) - MAX_NOTES_SHOWN} more)" if len(notes) > MAX_NOTES_SHOWN else ""
            st.caption("Left out of this lesson: " + "; ".join(inert(n) for n in notes[:MAX_NOTES_SHOWN]) + more)
        elsewhere = step.page is not None and step.page != page
        if elsewhere:
            st.caption(f"This step's view is on the page {inert(registry()[str(step.page)].title)}.")
        with st.container(horizontal=True, gap="small"):
            st.button(
                "Back", key=BACK, on_click=go_to, args=(number - 1,), disabled=number == 1, icon=":material/arrow_back:"
            )
            st.button(
                "Next",
                key=NEXT,
                on_click=go_to,
                args=(number + 1,),
                disabled=number == len(lesson.steps),
                type="primary",
                icon=":material/arrow_forward:",
            )
            st.button(
                "Go to this step's view" if elsewhere else "This step's view",
                key=AGAIN,
                on_click=go_to,
                args=(number,),
                disabled=step.page is None,
                icon=":material/restart_alt:",
                help="The page and settings this step opened with: what you changed since is undone.",
            )
            st.button("Leave the lesson", key=LEAVE, on_click=leave, icon=":material/close:")


def offers() -> None:
    """The shipped lessons, each with its button (the Start page shows them first)."""
    columns = st.columns(len(SHIPPED))
    for column, name in zip(columns, SHIPPED, strict=True):
        lesson = shipped(name)
        with column.container(border=True):
            st.markdown(f"**{inert(lesson.title)}** · {len(lesson.steps)} steps")
            if lesson.summary:
                st.caption(inert(lesson.summary))
            st.button(
                "Start the lesson",
                key=start_key(name),
                on_click=open_lesson,
                args=(name,),
                type="primary",
                icon=":material/play_arrow:",
            )


# --- The sidebar: the lessons, a file of one's own, and the maker ------------------------------------------------


def take_upload() -> None:
    """The uploader's callback: read the file once and play it, or say why not. It rides in the link when it fits."""
    ss = st.session_state
    file = ss.get(UPLOAD)
    if file is None:
        return
    name = state.shorten(str(file.name))
    ss[UPLOAD_NOTE] = None
    if file.size > MAX_LESSON_BYTES:
        ss[UPLOAD_NOTE] = (
            f"{name} cannot be played: it is {file.size:,} bytes; a lesson is at most {MAX_LESSON_BYTES:,}"
        )
        return
    data = file.getvalue()
    try:
        parse(data)
    except LessonError as err:
        ss[UPLOAD_NOTE] = f"{name} cannot be played: {err}"
        return
    text = data.decode("utf-8")
    ref = encode(text)
    if len(ref) <= state.LESSON_LINK_LIMIT:
        open_lesson(ref)
    else:
        open_lesson(state.UPLOADED_LESSON, text)


def sidebar(page: str) -> None:
    with st.expander("Lessons", icon=":material/school:"):
        st.caption("A guided path through the pages: each step opens a view and says what to look at.")
        for name in SHIPPED:
            lesson = shipped(name)
            st.button(
                f"{lesson.title} ({len(lesson.steps)} steps)",
                key=f"{start_key(name)}_side",
                on_click=open_lesson,
                args=(name,),
                width="stretch",
            )
        if st.toggle("Play a lesson file of your own", key=UPLOAD_OPEN):
            st.file_uploader(
                "Lesson file (.toml)",
                type=["toml"],
                key=UPLOAD,
                on_change=take_upload,
                help=f"A TOML file of at most {MAX_LESSON_BYTES // 1000} KB: docs/lessons.md describes it.",
            )
        note = st.session_state.get(UPLOAD_NOTE)
        if note:
            st.warning(inert(note))
        ref = st.session_state.get(state.LESSON)
        if ref == state.UPLOADED_LESSON:
            st.caption("This lesson is too long to ride in a link: a link to this view cannot open it.")
        current = playing()
        if isinstance(current, Lesson) and ref not in SHIPPED and current.all_notes():
            st.caption("Left out of the lesson you play: " + "; ".join(inert(n) for n in current.all_notes()))
    maker(page)


def collected() -> list[dict[str, Any]]:
    return list(st.session_state.get(MAKER) or [])


def add_view(page: str) -> None:
    """A button's callback: the view on the screen becomes the lesson's next step."""
    settings = {
        param: value for param, value in state.view(page).items() if param not in ("lesson", "step")
    }  # a step cannot start a lesson
    if settings.get("source") in ("upload", "draw"):
        settings.pop("source")  # a lesson, like a link, cannot carry a picture: the step uses the test digit
    step_id = uuid.uuid4().hex[:8]
    st.session_state[MAKER] = [*collected(), {"id": step_id, "page": page, "settings": settings}]
    st.session_state[maker_text_key(step_id)] = ""
    st.session_state[maker_try_key(step_id)] = ""


def remove_step(step_id: str) -> None:
    st.session_state[MAKER] = [s for s in collected() if s["id"] != step_id]


def clear_steps() -> None:
    st.session_state[MAKER] = []


def made_lesson() -> Lesson:
    ss = st.session_state
    steps = tuple(
        Step(
            page=s["page"],
            settings=dict(s["settings"]),
            text=str(ss.get(maker_text_key(s["id"])) or ""),
            try_this=str(ss.get(maker_try_key(s["id"])) or ""),
        )
        for s in collected()
    )
    return Lesson(title=str(ss.get(MAKER_TITLE) or "").strip() or "My lesson", steps=steps)


def play_made() -> None:
    text = to_toml(made_lesson())
    ref = encode(text)
    if len(ref) <= state.LESSON_LINK_LIMIT:
        open_lesson(ref)
    else:
        open_lesson(state.UPLOADED_LESSON, text)


def maker(page: str) -> None:
    """Make a lesson from your views: add the view on the screen as a step, write what it shows, download the file
    (or play it: then the link to this view carries it)."""
    with st.expander("Make a lesson from your views", icon=":material/edit_note:"):
        steps = collected()
        st.caption(
            "Set up a view (page, digit, settings), then add it as a step and write what it shows. The file you "
            "download plays in Lessons, here or on any copy of the app."
        )
        st.text_input("Title", key=MAKER_TITLE, max_chars=MAX_TITLE, placeholder="My lesson")
        st.button(
            "Add this view as a step",
            key=MAKER_ADD,
            on_click=add_view,
            args=(page,),
            disabled=len(steps) >= state.MAX_STEPS,
            icon=":material/add:",
            width="stretch",
        )
        for number, s in enumerate(steps, start=1):
            settings = ", ".join(f"{k}={v}" for k, v in s["settings"].items()) or "default settings"
            st.markdown(f"**Step {number}**: {inert(registry()[s['page']].title)} · {inert(settings)}")
            ss = st.session_state
            ss.setdefault(maker_text_key(s["id"]), "")
            ss.setdefault(maker_try_key(s["id"]), "")
            st.text_area("What it shows", key=maker_text_key(s["id"]), max_chars=MAX_TEXT, height=90)
            st.text_input("Try this", key=maker_try_key(s["id"]), max_chars=MAX_TRY)
            st.button("Remove this step", key=maker_remove_key(s["id"]), on_click=remove_step, args=(s["id"],))
        if steps:
            st.download_button(
                "Download the lesson (.toml)",
                data=to_toml(made_lesson()),
                file_name="lesson.toml",
                mime="application/toml",
                key=MAKER_DOWNLOAD,
                on_click="ignore",
                icon=":material/download:",
                width="stretch",
            )
            left, right = st.columns(2)
            left.button("Play it", key=MAKER_PLAY, on_click=play_made, icon=":material/play_arrow:", width="stretch")
            right.button("Start over", key=MAKER_CLEAR, on_click=clear_steps, width="stretch")
