"""Train your own: choose an architecture, a code size and a regulariser, train it live, and watch the manifold form
and the seed's claims about capacity and regularisation happen (or not), measured."""

from __future__ import annotations

import uuid
from dataclasses import replace

import streamlit as st
import torch

from aemodels.checkpoints import MNIST_DATA
from aemodels.images import make_grid
from aemodels.playground import (
    ARCHITECTURES,
    EXPERIMENTS,
    LIMITS,
    MAX_LATENT,
    MAX_SEED,
    MAX_TRAIN_DIGITS,
    MIN_TRAIN_DIGITS,
    REGULARISERS,
    SpecError,
    TrainData,
    TrainSpec,
)
from aemodels_app import state
from aemodels_app.caches import training_data, training_pool
from aemodels_app.jobs import DONE, JobView
from aemodels_app.page import Choice, Field, Slider, WholeNumber, fixed, integer, one_of, page, setting
from aemodels_app.pages import reconstruct
from aemodels_app.text import inert
from aemodels_app.ui import own_data
from aemodels_app.ui.figures import digit_map, pixels, plot
from aemodels_app.ui.models import register_user_model
from aemodels_app.ui.own_data import TrainingSet
from aemodels_app.ui.training import (
    ARCH_LABELS,
    GONE,
    MAX_SECONDS,
    REG_LABELS,
    checkpoint_zip,
    code_map_spec,
    describe,
    loss_chart,
    measurement_rows,
    status_line,
)
from aemodels_app.ui.widgets import draw

DIGIT_CHOICES = (1_000, 2_000, 5_000, 10_000, 20_000, 60_000)
LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 1.0)
STEP_CHOICES = (500, 1_000, 2_000, 5_000, 10_000, 20_000)


ARCH = "train_arch"
DIM = "train_dim"
REG = "train_reg"
SIGMA = "train_sigma"
RHO = "train_rho"
LAMBDA = "train_lambda"
BETA = "train_beta"
DIGITS = "train_digits"
LR = "train_lr"
SEED = "train_seed"
STEPS = "train_steps"
JOB = "train_job"  # this session's job in the training pool
OWNER = "train_owner"  # this session's identity in the pool (one job per owner)
EXPERIMENT = "train_experiment"  # the guided experiment the current job runs, if any
NOTE = "train_note"  # why the last Start was refused
TRAINED_ON = "train_trained_on"  # the TrainingSet of this session's job: what its model knows
SEEN_DONE = "train_seen_done"  # the finished job the page has redrawn for (once, to stop polling)
SEEN_MEASURED = "train_seen_measured"  # the job the page has redrawn for once its first measures came (to offer it)
USED_STEP = "train_used_step"  # the step "your model" was taken at, when the user chose to use it elsewhere
START = "train_start"
PAUSE = "train_pause"
STEP = "train_step"
RESET = "train_reset"
USE = "train_use"
DOWNLOAD = "train_download"


def limit_slider(label: str, name: str) -> Slider:
    """A slider over the range and grid the trainer itself allows for one of its settings (aemodels.playground)."""
    limit = LIMITS[name]
    return Slider(label, limit.low, limit.high, limit.step)


DATA_FIELD = Field(own_data.DATASET, "data", fixed("mnist"), one_of(tuple(own_data.DATASETS)))
ARCH_FIELD = setting(ARCH, "arch", "mlp", Choice("Architecture", ARCHITECTURES, names=ARCH_LABELS))
DIM_FIELD = setting(
    DIM,
    "d",
    2,
    WholeNumber(
        "Code size d",
        1,
        MAX_LATENT,
        help=f"From 1 (undercomplete) to {MAX_LATENT} (overcomplete: more numbers in the code than pixels).",
    ),
)
REG_FIELD = setting(REG, "reg", "none", Choice("Regulariser", REGULARISERS, names=REG_LABELS))
SIGMA_FIELD = setting(SIGMA, "sigma", 0.3, limit_slider("Training noise σ", "noise_std"))
RHO_FIELD = setting(RHO, "rho", 0.05, limit_slider("Target activation ρ", "sparsity_target"))
LAMBDA_FIELD = setting(LAMBDA, "lambda", 3.0, limit_slider("Sparsity weight λ", "sparsity_weight"))
BETA_FIELD = setting(BETA, "beta", 1.0, limit_slider("β (weight of the KL term)", "beta"))
# Its choices depend on the data chosen (a picture set has from 100): drawn and checked by the page.
DIGITS_FIELD = Field(DIGITS, "digits", fixed(10_000), integer(MIN_TRAIN_DIGITS, MAX_TRAIN_DIGITS))
LR_FIELD = setting(LR, "lr", 1e-3, Choice("Learning rate", LEARNING_RATES, "select_slider"))
SEED_FIELD = setting(SEED, "seed", 0, WholeNumber("Seed", 0, MAX_SEED))
STEPS_FIELD = setting(
    STEPS,
    "steps",
    5_000,
    Choice(
        "Train for (steps)",
        STEP_CHOICES,
        "select_slider",
        help=f"Training also stops after {MAX_SECONDS:.0f} s of training time.",
    ),
)

PAGE = page(
    __name__,
    __file__,
    repeat="",
    title="Train your own",
    icon=":material/model_training:",
    section="Play",
    order=5,
    uses_digit=False,
    fields=(
        DATA_FIELD,
        ARCH_FIELD,
        DIM_FIELD,
        REG_FIELD,
        SIGMA_FIELD,
        RHO_FIELD,
        LAMBDA_FIELD,
        BETA_FIELD,
        DIGITS_FIELD,
        LR_FIELD,
        SEED_FIELD,
        STEPS_FIELD,
    ),
)


def owner() -> str:
    if OWNER not in st.session_state:
        st.session_state[OWNER] = uuid.uuid4().hex
    return str(st.session_state[OWNER])


def current_spec(data: TrainData) -> TrainSpec:
    ss = st.session_state
    return TrainSpec(
        architecture=ss[ARCH],
        latent_dim=int(ss[DIM]),
        regulariser=ss[REG],
        noise_std=float(ss[SIGMA]),
        sparsity_target=float(ss[RHO]),
        sparsity_weight=float(ss[LAMBDA]),
        beta=float(ss[BETA]),
        train_digits=min(int(ss[DIGITS]), len(data.x_train)),
        lr=float(ss[LR]),
        seed=int(ss[SEED]),
        max_steps=int(ss[STEPS]),
        max_seconds=MAX_SECONDS,
    )


def start(spec: TrainSpec, chosen: TrainingSet, experiment: str | None = None) -> None:
    """A button's callback: start a job on the chosen data (the session's earlier one stops)."""
    try:
        job = training_pool().submit(owner(), spec, chosen.data)
    except SpecError as err:
        st.session_state[NOTE] = f"Cannot train this: {err}."
        return
    st.session_state[JOB] = job
    st.session_state[TRAINED_ON] = chosen
    st.session_state[EXPERIMENT] = experiment
    st.session_state.pop(NOTE, None)


def start_experiment(key: str, chosen: TrainingSet) -> None:
    choices = EXPERIMENTS[key].choices
    data = chosen.data
    base = TrainSpec(train_digits=min(10_000, len(data.x_train)), max_steps=STEP_CHOICES[-1])
    spec = replace(base, **choices)
    ss = st.session_state  # the choices on the page follow, so the user sees what runs
    ss[ARCH], ss[DIM], ss[REG] = (
        spec.architecture,
        spec.latent_dim,
        spec.regulariser,
    )
    ss[SIGMA], ss[LR], ss[DIGITS] = spec.noise_std, spec.lr, spec.train_digits
    start(spec, chosen, key)


def reset() -> None:
    job = st.session_state.pop(JOB, None)
    if job is not None:
        training_pool().cancel(job, "reset")
        training_pool().forget(job)
    st.session_state.pop(EXPERIMENT, None)


def trained_on() -> TrainingSet | None:
    """What this session's job trains on (kept from its start: the data chooser may have moved on since)."""
    chosen = st.session_state.get(TRAINED_ON)
    return chosen if isinstance(chosen, TrainingSet) else None


def controls(chosen: TrainingSet) -> None:
    data, noun = chosen.data, chosen.noun
    st.subheader("Choices")
    c1, c2, c3 = st.columns(3)
    with c1:
        draw(ARCH_FIELD)
        d = draw(DIM_FIELD)
        kind = "overcomplete" if d > 784 else ("complete" if d == 784 else "undercomplete")
        st.caption(f"η = d / 784 = {d / 784:.3g}: {kind}")
    with c2:
        reg = draw(REG_FIELD)
        if reg == "denoising":
            draw(SIGMA_FIELD)
        elif reg == "sparse":
            draw(RHO_FIELD)
            draw(LAMBDA_FIELD)
        elif reg == "vae":
            draw(BETA_FIELD)
    with c3:
        options = [n for n in DIGIT_CHOICES if n <= len(data.x_train)] or [len(data.x_train)]
        if st.session_state[DIGITS] not in options:
            st.session_state[DIGITS] = options[-1] if len(options) < 3 else options[3 % len(options)]
            offered = ", ".join(f"{n:,}" for n in options)
            state.moved_from_link("train", DIGITS, f"is not offered for these {noun} ({offered})")
        if len(options) > 1:
            st.select_slider(f"Training {noun}", options, key=DIGITS, format_func=lambda n: f"{n:,}")
        else:
            st.session_state[DIGITS] = options[0]
            more = " (install MNIST for up to 60,000)" if chosen.known.is_mnist else ""
            st.caption(f"Training {noun}: {options[0]:,}{more}")
        draw(LR_FIELD)
        draw(STEPS_FIELD)
        draw(SEED_FIELD)
    st.caption(f"Training on {inert(data.source)}; measured on {len(data.x_held):,} held-out {noun}.")


def buttons(view: JobView | None, chosen: TrainingSet) -> None:
    spec = current_spec(chosen.data)
    cols = st.columns([1, 1, 1, 1, 2])
    cols[0].button("Start", type="primary", on_click=start, args=(spec, chosen), key=START)
    job = view.job_id if view is not None else 0
    if view is not None and view.status in ("running", "queued"):
        cols[1].button("Pause", on_click=training_pool().pause, args=(job,), key=PAUSE)
    else:
        paused = view is not None and view.status == "paused"
        cols[1].button("Resume", on_click=training_pool().resume, args=(job,), disabled=not paused, key=PAUSE)
    cols[2].button(
        "One step",
        on_click=training_pool().one_step,
        args=(job,),
        disabled=view is None or view.status in DONE,
        key=STEP,
    )
    cols[3].button("Reset", on_click=reset, disabled=view is None, key=RESET)
    problems = spec.problems()
    if problems:
        cols[4].warning(inert("Cannot train this: " + "; ".join(problems) + "."))  # they quote the values


def experiments(chosen: TrainingSet) -> None:
    st.subheader("Guided experiments")
    cols = st.columns(4)
    for column, (key, experiment) in zip(cols, EXPERIMENTS.items(), strict=True):
        column.button(
            experiment.title,
            on_click=start_experiment,
            args=(key, chosen),
            key=f"train_exp_{key}",
            help=experiment.claim,
            width="stretch",
        )


def claims(view: JobView) -> None:
    key = st.session_state.get(EXPERIMENT)
    if key not in EXPERIMENTS or not view.measurements:
        return
    title, claim = EXPERIMENTS[key].title, EXPERIMENTS[key].claim
    first, last = view.measurements[0], view.measurements[-1]
    if key == "pca":
        angles = [m.pca_angle for m in view.measurements if m.pca_angle is not None]
        measured = (
            f"Mean principal angle to PCA-16: {angles[0]:.1f}° at the start → {angles[-1]:.2f}° at step {last.step:,}."
            if angles
            else "not measured yet"
        )
    else:
        measured = (
            f"At step {last.step:,}: reconstruction MSE {last.mse:.4f}; denoising PSNR {last.denoise_psnr:.2f} dB "
            f"against the noisy input's {last.noisy_psnr:.2f} dB; normal/tangent {last.normal_tangent_ratio:.2f}; "
            f"anomaly AUC against noise {last.auc_noise:.3f} (at the start {first.auc_noise:.3f})."
        )
    left, right = st.columns(2)
    left.markdown(f"**The claim: {title}**\n\n{claim}")
    right.markdown(f"**Measured**\n\n{measured}")


def job_view(job: int) -> JobView | None:
    """The job's view now, or None with the plain note that the training is gone (the session forgets it)."""
    try:
        return training_pool().view(job)
    except KeyError:
        st.session_state.pop(JOB, None)
        st.info(GONE)
        return None


def live(job: int) -> None:
    """Everything that moves while the job trains; polled twice a second while it runs."""
    view = job_view(job)
    if view is None:
        return
    if view.status in DONE and st.session_state.get(SEEN_DONE) != job:
        st.session_state[SEEN_DONE] = job
        st.rerun()  # once: the page redraws without polling, with the buttons for a finished job
    if view.measurements and st.session_state.get(SEEN_MEASURED) != job:
        st.session_state[SEEN_MEASURED] = job
        st.rerun()  # once: the page redraws with "Use your model" offered (its own fragment, which does not poll)
    (st.error if view.status == "failed" else st.markdown)(status_line(view))
    chosen = trained_on()
    noun, classes = (chosen.noun, chosen.classes) if chosen else ("digits", 10)
    claims(view)
    left, right = st.columns(2)
    with left:
        plot(st, loss_chart(view), key="train_loss_chart")
    with right:
        spec = code_map_spec(view, noun)
        if spec is not None:
            digit_map(spec, key="train_code_map")
    if view.reconstructions is not None:
        pairs = torch.cat([view.originals, view.reconstructions])
        pixels(
            make_grid(pairs, ncol=8, scale=1),
            caption=f"Eight held-out {noun} (top) and their reconstructions at step {view.step:,} (bottom)",
        )
    if view.measurements:
        m = view.measurements[-1]
        st.dataframe(measurement_rows(m, view.spec, noun, classes), hide_index=True, width="stretch")
        st.caption(f"Measured at step {m.step:,} (every few seconds while it trains).")


def use_on_reconstruction(name: str) -> None:
    """A model just made "your model" joins the Reconstruction page's comparison."""
    chosen = list(st.session_state.get(reconstruct.MODELS, []))
    st.session_state[reconstruct.MODELS] = [*chosen, name][-4:]


def use_elsewhere(job: int, known: TrainingSet) -> None:
    """Use the model on the other pages, or download it, at any moment once it has been measured: while it trains
    too, as it is at that moment (TrainingPool.snapshot). Its own fragment, drawn with the page and when its button
    is pressed: it does not poll, so the download it offers stays the same while the live view above redraws."""
    st.subheader("Use your model")
    view = job_view(job)
    if view is None:
        return
    ready = bool(view.measurements)  # the first measures come as the training starts (step 0)
    model_name = st.session_state.get(state.USER_MODEL)
    cols = st.columns([1, 1, 2])
    if cols[0].button("Use it on the other pages", key=USE, disabled=not ready):
        try:
            snapshot = training_pool().snapshot(job)
        except KeyError:
            st.session_state.pop(JOB, None)
            st.rerun()  # the page then says the training is gone
        name = register_user_model(snapshot.model, describe(view.spec, snapshot.step), known.known)
        use_on_reconstruction(name)
        model_name = name
        st.session_state[USED_STEP] = snapshot.step
    cols[1].download_button(
        "Download (safetensors + JSON)",
        data=lambda: checkpoint_zip(training_pool(), job, known.known),
        file_name="my_autoencoder.zip",
        mime="application/zip",
        key=DOWNLOAD,
        on_click="ignore",  # the zip is made when clicked, from the model as it is then; nothing needs to run again
        disabled=not ready,
        help="The model as it is when you click, while it trains too.",
    )
    if model_name:
        cols[2].caption(
            "“your model” is now in the model choices of Reconstruction, Denoising, Latent sliders, Sampling, the "
            "Latent explorer, Manifold geometry, Anomaly detection"
            + (" and Inside the VAE" if view.spec.regulariser == "vae" else "")
            + f" (as it was at step {st.session_state.get(USED_STEP, view.step):,} when you clicked; click again "
            "after more training)."
            + (
                ""
                if known.known.is_mnist
                else f" It knows {inert(known.known.label)}: those pages show it its own "
                "held-out items where they show a digit."
            )
        )
    elif not ready:
        cols[2].caption("Offered once the training has started and been measured (a moment after Start).")


def render() -> None:
    st.title("Train your own autoencoder")
    st.markdown(
        "Choose the data (MNIST, Fashion-MNIST or your own pictures), an architecture, a code size and a "
        "regulariser, press **Start**, and watch it learn: the loss, eight reconstructions and the map of the codes "
        "redraw twice a second, and every few seconds the model is measured on held-out items. The guided "
        "experiments put two of the seed's claims to the test. A model trained elsewhere can be brought at the "
        "bottom of the page."
    )
    chosen = own_data.training_set(training_data)
    if chosen is not None:
        controls(chosen)
    note = st.session_state.get(NOTE)
    if note:
        st.warning(inert(note))
    job = st.session_state.get(JOB)
    view = job_view(job) if job is not None else None
    if view is None:
        job = None
    if chosen is not None:
        buttons(view, chosen)
        experiments(chosen)
    if job is not None and view is not None:
        # Twice a second while it trains or waits; a paused or ended job only needs the pool to know that someone
        # still has the page open (a paused job nobody looks at for 20 s is stopped, an ended one forgotten after 3
        # minutes).
        every = {"running": 0.5, "queued": 0.5, "paused": 5.0}.get(view.status, 30.0)
        st.fragment(run_every=every)(live)(job)
        known = trained_on() or chosen or TrainingSet(training_data(), MNIST_DATA, "digits", 10)
        st.fragment(use_elsewhere)(job, known)
    elif chosen is not None:
        st.info("Nothing is training yet: press Start, or one of the guided experiments.")
    own_data.bring_your_own(use_on_reconstruction)


if __name__ == "__main__":
    render()
