"""Text a user supplied (a link's values and names, an uploaded file's name, a model's description or error),
made inert for Streamlit's Markdown: it reads as typed and never becomes a link, an image, a heading, colour,
maths or a fetch from another host.

Streamlit renders GitHub-flavoured Markdown (https://github.github.com/gfm) in st.markdown, st.caption, the alert
boxes (st.info, st.error, ...), headers, image captions, progress texts, widget labels and the options of radio
buttons, pills and segmented controls; not in select boxes' or multiselects' options. On top of GFM it has its
own syntax (the docstring of st.markdown): `:red[...]`-style directives, `$...$` maths, `:material/icon:`, emoji
and `:streamlit:` shortcodes, and `->`, `<=`-style arrows and symbols.

Two kinds of defence are needed. CommonMark lets any ASCII punctuation be backslash-escaped (spec 0.31, section
2.4), which stops everything the parser sees: emphasis, links, images, headings, lists, code, HTML and entities,
directives and maths. But some rewrites run after parsing, on the text that is left, where a backslash has already
gone: GFM's bare-URL and e-mail links (`http://`, `www.`, `a@b.c`), the shortcodes and the arrows. These are broken
with an invisible word joiner (U+2060) inside the pattern. Newlines and other control characters would start new
blocks (a heading on its own line), so they become spaces; bidirectional controls, which would reorder what is
shown (`exe.png` written backwards), are shown by name instead.
"""

from __future__ import annotations

import re

from aemodels.text import plain

# The characters GFM and Streamlit give a meaning, each escaped with a backslash. `&` starts an entity (`&#x202E;`
# is an invisible bidi control once parsed).
MARKDOWN_SPECIAL = frozenset("\\`*_[](){}#+-.!|<>~:$&")
WORD_JOINER = "\u2060"  # invisible, and never a line break; ends a pattern without showing
# Where Streamlit's after-parsing rewrites would match (its StreamlitMarkdown, and mdast-util-gfm-autolink-literal):
# after a colon (`http://`, `:smile:`, `:streamlit:`, `:material_icon:`), before `@` (e-mail), between `www` and `.`,
# and inside the arrows and symbols `<->` `->` `<-` `--` `>=` `<=` `~=`.
_REWRITES = re.compile(r"(?<=:)(?=\S)|(?=@)|(?<=www)(?=\.)|(?<=[<>~-])(?=[>=-])", re.IGNORECASE)


def inert(text: str) -> str:
    """`text` as Markdown that shows it as plain text on one line, for any Markdown-rendering Streamlit call.

    Never for a plain-text place (a select box's options, st.text, a component's textContent): there the
    backslashes would show. Bidi controls show as "[U+202E]"; whitespace and control characters become one space."""
    shown = plain(text)
    shown = _REWRITES.sub(WORD_JOINER, shown)
    return "".join("\\" + c if c in MARKDOWN_SPECIAL else c for c in shown)
