"""Sampling: new digits from four samplers with their measured quality, digits of a chosen class from the
class-conditional VAE with style sliders, and the 2-d VAE's manifold map."""

import streamlit as st
import torch
from streamlit.delta_generator import DeltaGenerator

from aemodels.geometry import normal_icdf_grid
from aemodels.images import make_grid
from aemodels.models import VAE, Autoencoder, ConditionalVAE
from aemodels.quality import MAX_CLASS_BITS
from aemodels.samplers import SAMPLERS, ModelSamplers
from aemodels.zoo import ZOO, models_for
from aemodels_app import state
from aemodels_app.caches import sample_report, samplers_of
from aemodels_app.page import (
    Choice,
    Field,
    Slider,
    WholeNumber,
    first_model,
    model_of,
    page,
    setting,
)
from aemodels_app.state import next_seed
from aemodels_app.text import inert
from aemodels_app.ui.figures import pixels
from aemodels_app.ui.models import YOURS, items_of, load_model, model_choice, model_data
from aemodels_app.ui.widgets import draw

MODEL = "sample_model"
COUNT = "sample_count"
TEMPERATURE = "sample_temperature"
SEED = "sample_seed"
AGAIN = "sample_again"
GRID = "sample_grid"
CLASS = "sample_class"  # the class-conditional VAE's chosen digit class
CLASS_TEMPERATURE = "sample_class_temperature"
STYLE = "sample_style"  # the style code shown across the ten classes (session only)
COUNT_FIELD = setting(COUNT, "n", 32, Slider("Number of samples", 4, 64, 4))
TEMPERATURE_FIELD = setting(
    TEMPERATURE,
    "t",
    1.0,
    Slider(
        "Temperature of the prior (scales z)",
        0.1,
        1.5,
        0.05,
        help="z ~ N(0, T² I). Below 1 samples are cleaner and more alike; above 1, stranger.",
    ),
)
SEED_FIELD = setting(SEED, "seed", 0, WholeNumber("Seed", 0, 1_000_000))
GRID_FIELD = setting(GRID, "grid", 15, Slider("Grid size", 8, 25))
CLASS_FIELD = setting(CLASS, "c", 3, Choice("Digit class", tuple(range(10))))
CLASS_TEMPERATURE_FIELD = setting(CLASS_TEMPERATURE, "ct", 1.0, Slider("Temperature", 0.1, 1.5, 0.05))


def style_slider_key(model: str, dim: int) -> str:
    return f"style_{model}_{dim}"


PAGE = page(
    __name__,
    __file__,
    repeat=AGAIN,
    title="Sampling",
    icon=":material/casino:",
    section="Play",
    order=4,
    uses_digit=False,
    answers="dream",
    fields=(
        Field(MODEL, "model", first_model("sampling", "vae16"), model_of("sampling")),
        COUNT_FIELD,
        TEMPERATURE_FIELD,
        SEED_FIELD,
        GRID_FIELD,
        CLASS_FIELD,
        CLASS_TEMPERATURE_FIELD,
    ),
)


def figures_caption(report: dict | str, name: str, key: str) -> str:
    """One line of measured figures for a sampler (or a model's decoder limit), or why there are none."""
    if isinstance(report, str):
        return "Not measured here: " + report
    entry = report["models"].get(name, {})
    q = entry.get("decoder_limit") if key == "decoder_limit" else entry.get("samplers", {}).get(key)
    if q is None:
        return f"Not measured for {name}{'' if key == 'decoder_limit' else f' ({key})'}."
    floor = report["floor"]["frechet"]
    return (
        f"Fréchet distance **{q['frechet']:.1f}** ({q['frechet'] / floor:.0f}× the floor) · classifier confidence "
        f"{q['confidence']:.0%} · classes {q['class_bits']:.2f} of {MAX_CLASS_BITS:.2f} bits"
    )


def tempered_key(kind: str, temperature: float) -> str | None:
    """The report's entry for a tempered sampler (the prior) at this temperature, where one was measured."""
    for t in (0.5, 0.75, 1.0):
        if abs(temperature - t) < 1e-6:
            return kind if t == 1.0 else f"{kind}@{t}"
    return None


def sampler_panel(
    where: DeltaGenerator,
    name: str,
    model: Autoencoder,
    samplers: ModelSamplers,
    kind: str,
    count: int,
    t: float,
    seed: int,
) -> None:
    images = samplers.draw(model, kind, count, temperature=t, seed=seed)
    title = SAMPLERS[kind].title.replace("T²", f"{t:g}²")
    pixels(make_grid(images, ncol=8, scale=1), caption=f"{name}: {title}", where=where)
    if name.startswith(YOURS):
        images, _, data = items_of(name)
        what = f"{len(images):,} sample digits" if data.is_mnist else f"its {len(images):,} held-out items"
        where.caption(
            "Not measured: the figures are measured for the shipped models (`python -m aemodels.evaluate`)."
            + ("" if kind == "prior" else f" Fitted here to its codes of {what}.")
        )
    elif SAMPLERS[kind].tempered:
        key = tempered_key(kind, t)
        where.caption(
            figures_caption(sample_report(), name, key)
            if key
            else f"Measured at T = 0.5, 0.75 and 1 (table below); T = {t:.2f} was not measured."
        )
    else:
        where.caption(figures_caption(sample_report(), name, kind))


def measured_table(names: list[str]) -> None:
    """Every figure of the shown models' samplers, the floor and each decoder's limit, with the class histograms."""
    report = sample_report()
    if isinstance(report, str):
        st.info(report)
        return
    floor = report["floor"]
    rows = [("MNIST", "10,000 real training digits: the floor", floor)]
    for name in names:
        entry = report["models"].get(name)
        if entry is None:
            continue
        rows.append((name, "its reconstructions of training digits: the decoder's limit", entry["decoder_limit"]))
        for key, q in entry["samplers"].items():
            label = SAMPLERS[key.split("@")[0]].label.replace("T²", f"{q['temperature']:g}²")
            rows.append((name, label, q))
    st.dataframe(
        [
            {
                "model": model,
                "what is decoded": what,
                "Fréchet distance": round(q["frechet"], 2),
                "× floor": round(q["frechet"] / floor["frechet"], 1),
                "classes 0–9": q["class_counts"],
                "confidence": q["confidence"],
                "class entropy (bits)": round(q["class_bits"], 2),
            }
            for model, what, q in rows
        ],
        hide_index=True,
        column_config={
            "confidence": st.column_config.ProgressColumn("confidence", format="percent", min_value=0, max_value=1),
            "classes 0–9": st.column_config.BarChartColumn(
                "classes 0–9", help="How many of the 10,000 the classifier reads as each digit", y_min=0
            ),
        },
    )


@st.fragment
def conditional_section(count: int, seed: int) -> None:
    """Its class, temperature and style sliders rerun only this section: the four samplers above are not drawn
    and sent again."""
    names = models_for("conditional")
    if not names:
        return
    name = names[0]
    model = load_model(name)
    if not isinstance(model, ConditionalVAE):
        return
    st.header("Choose what to sample")
    st.markdown(
        f"**{name}** is a VAE given the class: the one-hot class enters its encoder and its decoder (Kingma et al. "
        "2014's conditioning, without the semi-supervised part). With the class given, the code no longer has to "
        "say *which* digit, only *how* it is written."
    )
    left, right = st.columns([1, 1])
    klass = draw(CLASS_FIELD, left)
    t = draw(CLASS_TEMPERATURE_FIELD, right)
    images = model.sample_given(int(klass), count, t, generator=torch.Generator().manual_seed(seed))
    pixels(make_grid(images, ncol=8, scale=1), caption=f"{name}: {count} samples of the class {klass}")
    report = sample_report()
    entry = report["conditional"].get(name) if not isinstance(report, str) else None
    if entry is not None:
        st.caption(
            f"Measured at T = 1 on 1,000 samples per class: the reference classifier reads a {klass} in "
            f"{entry['per_class_accuracy'][int(klass)]:.1%} of them ({entry['accuracy']:.1%} over all ten classes, "
            f"lowest {min(entry['per_class_accuracy']):.1%})."
        )
    style_section(name, model)
    state.sync_fragment_url("sample")


def style_section(name: str, model: ConditionalVAE) -> None:
    st.subheader("The same code, ten classes: the code is the style")
    st.markdown(
        "Each slider is one coordinate of the code (in prior standard deviations). Every digit below is decoded "
        "from that one code with a different class: slant, width and stroke move together across all ten."
    )
    dims = model.latent_dim
    columns = st.columns(min(dims, 4))
    z = []
    for dim in range(dims):
        key = style_slider_key(name, dim)
        value = float(st.session_state.get(key, 0.0))
        z.append(
            columns[dim % len(columns)].slider(f"z{dim + 1}", -3.0, 3.0, value=value, step=0.05, key=key, format="%.2f")
        )
    code = torch.tensor([z], dtype=torch.float32).expand(10, -1)
    with torch.inference_mode():
        row = model.decode_given(code, torch.arange(10))
    pixels(make_grid(row, ncol=10, scale=1), caption="Classes 0 to 9, one code")


def render() -> None:
    st.title("Sampling: new digits, measured")
    st.markdown(
        "A VAE is trained so that its codes fill a standard Gaussian: draw z ~ N(0, I), decode, and you get a new "
        "digit. A plain AE gives coordinates but no distribution over them: random codes, even inside the range "
        "its digits use, often land in holes between the clusters. Ghosh et al. (2020) refine the VAE's story: "
        "fit a density to the codes *after* training (here a Gaussian mixture) and sample that. Which works best "
        "is measured below each picture, on 10,000 samples, by a classifier trained here."
    )
    with st.sidebar:
        name = model_choice("VAE", "sampling", key=MODEL)
        count = draw(COUNT_FIELD)
        temperature = draw(TEMPERATURE_FIELD)
        draw(SEED_FIELD)
        st.button("Resample", key=AGAIN, on_click=next_seed, args=(SEED,))
    vae = load_model(name) if name else None  # a VAE, or a user's plain AE (sampled by the box and the mixture)
    if name is None or vae is None or not (isinstance(vae, VAE) or name.startswith(YOURS)):
        return
    if not model_data(name).is_mnist:
        st.caption(
            f"Your model knows **{inert(model_data(name).label)}**, not MNIST digits: its samples are drawn "
            "from what it learned of that data."
        )
    seed = int(st.session_state[SEED])
    ae_name = ZOO[name].compare_ae if name in ZOO else None
    shown = [n for n in (ae_name, name) if n]
    st.header("Four ways to sample")
    st.markdown(
        "Each picture decodes the same number of codes drawn by a different rule. **Fréchet distance**: how far "
        "the samples' features sit from the 10,000 test digits' (the FID of Heusel et al. 2017, with a small "
        "MNIST classifier's 128 features in place of Inception's; lower is better). The **floor** is what 10,000 "
        "real training digits score, and a decoder's **limit** what its own reconstructions of real digits "
        "score: no sampler of that decoder can be expected to beat it."
    )
    for model_name in shown:
        model = vae if model_name == name else load_model(model_name)
        samplers = samplers_of(model_name)
        if model is None:
            continue
        if isinstance(samplers, str):
            st.info(samplers)
            continue
        kinds = samplers.kinds(model)  # one column per registered sampler that applies (aemodels.samplers.SAMPLERS)
        for column, kind in zip(st.columns(len(kinds)), kinds, strict=True):
            sampler_panel(column, model_name, model, samplers, kind, count, temperature, seed)
    with st.expander("Every measured figure, with the class histograms", expanded=False):
        measured_table(shown)
        st.caption(
            "Confidence: the classifier's mean top-class probability. Class entropy: log₂ 10 = 3.32 bits when all "
            "ten digits appear equally often. Measured by `python -m aemodels.evaluate` (see pretrained/MODELS.md)."
        )

    conditional_section(count, seed)

    if isinstance(vae, VAE) and vae.latent_dim == 2:
        st.header("The manifold map")
        st.markdown(
            "Decode a grid of 2-d codes spaced by the inverse Gaussian CDF, so each cell covers equal prior "
            "mass (Kingma & Welling 2014, figure 4): the whole learned manifold in one picture."
        )
        n = draw(GRID_FIELD)
        with torch.inference_mode():
            images = vae.decode(normal_icdf_grid(n))
        pixels(make_grid(images, ncol=n, scale=1, pad=0), zoom=2)


if __name__ == "__main__":
    render()
