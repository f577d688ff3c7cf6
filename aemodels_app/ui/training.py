"""The Train page's figures and its model's download, built from a job's view (aemodels_app.jobs.JobView): the loss
chart, the live code map, the table of measures, the status line, and the checkpoint zip. The page lays them out."""

from __future__ import annotations

import io
import zipfile
from dataclasses import asdict
from typing import Any

import plotly.graph_objects as go

from aemodels import checkpoints
from aemodels.checkpoints import MNIST_DATA, ModelData
from aemodels.playground import Measurements, TrainSpec
from aemodels_app.jobs import JobView, TrainingPool
from aemodels_app.text import inert
from aemodels_app.ui.charts import finite_points, scatter_spec

MAX_SECONDS = 300.0  # a training's time limit, in its own CPU seconds
GONE = (
    "Your last training is no longer on the server: an ended training is kept while its page is open and for three "
    "minutes after (or it was reset, or the server restarted). A model you chose to use on the other pages stays "
    "there. Start again to train a new one."
)

ARCH_LABELS = {"linear": "tied linear", "mlp": "MLP", "conv": "convolutional"}
REG_LABELS = {"none": "none", "denoising": "denoising", "sparse": "sparsity", "vae": "VAE"}


def loss_chart(view: JobView) -> go.Figure:
    figure = go.Figure()
    for key, values in view.history.items():
        if key == "step" or (key == "total" and len(view.history) <= 3):
            continue
        figure.add_scatter(x=view.history["step"], y=values, mode="lines", name=f"train {key}")
    for key, values in view.test_history.items():
        if key == "step" or (key == "total" and len(view.test_history) <= 3):
            continue
        figure.add_scatter(
            x=view.test_history["step"], y=values, mode="lines+markers", name=f"held-out {key}", line={"dash": "dot"}
        )
    unit = "nats per digit" if view.spec.regulariser == "vae" else "loss per digit"
    figure.update_layout(
        height=320,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        title="Loss per digit: training (solid), held-out (dotted)",
        xaxis_title="step",
        yaxis_title=unit,
        yaxis_type="log",
        legend={"orientation": "h", "y": -0.25},
    )
    return figure


def code_map_spec(view: JobView, noun: str = "digits") -> dict[str, Any] | None:
    """The live code map, drawn in the browser like the explorer's (components/scatter.js): its version stays the
    job's, so the user's zoom and hidden classes stay while the points move."""
    if view.code_map is None:
        return None
    points, labels = finite_points(view.code_map.points, view.code_map.labels)
    axes = view.code_map.axes
    if not len(points):  # every code is not a number: the status line says why the job stopped
        return None
    x_title, y_title = (
        ("z1", "class") if axes.startswith("z1 against") else axes.split(", ", 1) if ", " in axes else ("", "")
    )
    return scatter_spec(
        points,
        labels,
        title=f"Codes of {len(points)} held-out {noun} ({axes})",
        axis_titles=(x_title, y_title),
        clickable=False,
        height=300,
        version=f"train-{view.job_id}-{axes}",
    )


def measurement_rows(m: Measurements, spec: TrainSpec, noun: str = "digits", classes: int = 10) -> list[dict[str, str]]:
    """The table of measures on the held-out `noun`; the linear probe's row only where they have two classes or more
    (a user's pictures not in folders have one)."""
    head = f"measured on held-out {noun}"
    rows = [
        {head: "reconstruction MSE", "now": f"{m.mse:.4f}", "compare with": "0 = perfect copy"},
        {
            head: "denoising PSNR at σ = 0.3",
            "now": f"{m.denoise_psnr:.2f} dB",
            "compare with": f"the noisy input: {m.noisy_psnr:.2f} dB",
        },
        {
            head: "normal/tangent ratio",
            "now": f"{m.normal_tangent_ratio:.2f}",
            "compare with": "1 = the identity (pushes off the manifold kept); ≪ 1 = a projection",
        },
        {
            head: f"anomaly AUC, {noun} vs noise",
            "now": f"{m.auc_noise:.3f}",
            "compare with": "1 = noise always flagged; 0.5 = chance"
            + (f" · vs Fashion-MNIST: {m.auc_fashion:.3f}" if m.auc_fashion is not None else ""),
        },
    ]
    if classes > 1:
        rows.append(
            {
                head: f"linear probe on the {spec.latent_dim}-d codes",
                "now": f"{m.probe_codes:.1%}",
                "compare with": f"raw pixels {m.probe_pixels:.1%} · PCA codes of the same size {m.probe_pca:.1%}",
            }
        )
    if m.pca_angle is not None:
        rows.append(
            {
                head: "mean principal angle to PCA's subspace",
                "now": f"{m.pca_angle:.2f}°",
                "compare with": "0° = exactly PCA's subspace",
            }
        )
    return rows


def status_line(view: JobView) -> str:
    if view.status == "queued":
        ahead = view.queue_position - 1 if view.queue_position else 0
        when = (
            f"it should start in about {max(1, round(view.expected_start)):,} s"
            if view.expected_start is not None
            else "its start time is known once the running ones have trained a moment"
        )
        return f"Waiting for a free trainer: {ahead} job(s) ahead of yours; {when}."
    text = f"**{inert(view.message.capitalize())}** · step {view.step:,}"  # a failure quotes its exception
    if view.steps_per_second:
        text += f" · {view.steps_per_second:.0f} steps/s"
    if view.seconds_left is not None:
        text += f" · about {view.seconds_left:.0f} s of training left"
        text += f" (limits: {view.max_steps:,} steps, {MAX_SECONDS:.0f} s of training)"
    return text


def describe(spec: TrainSpec, step: int) -> str:
    reg = "" if spec.regulariser == "none" else f", {REG_LABELS[spec.regulariser]}"
    return f"{ARCH_LABELS[spec.architecture]} AE, d={spec.latent_dim}{reg}, {step:,} steps"


def checkpoint_zip(pool: TrainingPool, job: int, known: ModelData = MNIST_DATA) -> bytes:
    """The model as it is now, as `load_pretrained` reads it from a folder: mine.safetensors beside mine.json (saying
    which data it knows, and the step and seconds the weights are at), with mine.items.safetensors, its held-out
    items, when that is not MNIST (aemodels.checkpoints). Made when the download is clicked."""
    try:
        spec = pool.view(job).spec
        snapshot = pool.snapshot(job)
    except LookupError:  # dropped since the page was drawn: the archive says so instead of a broken one
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("README.txt", GONE + "\n")
        return buffer.getvalue()
    meta = {
        "description": describe(spec, snapshot.step),
        "training": {"spec": asdict(spec), "steps": snapshot.step, "seconds": round(snapshot.seconds, 1)},
    }
    return checkpoints.checkpoint_zip(snapshot.model, "mine", meta, known)
