"""The pages driven through Streamlit's AppTest: what a user sees, and that each main widget changes it."""

import pytest
from apptest_helpers import (
    blank_bytes,
    captions,
    digit_maps,
    image_by_caption,
    metric_values,
    no_errors,
    photo_bytes,
    run,
)
from streamlit.testing.v1 import AppTest

import aemodels_app.ui.live as live
from aemodels_app import state
from aemodels_app.pages import denoise, latent, reconstruct, sample
from aemodels_app.ui.live import decoder_url, static_folder


@pytest.mark.parametrize("page", ["reconstruct", "denoise", "latent", "sample"])
def test_default_render(page):
    at = run(page)
    no_errors(at)
    assert at.title[0].value
    assert at.get("image"), "the page shows pictures"


def test_reconstruct_digit_and_models_change_the_pictures():
    at = run("reconstruct")
    before = image_by_caption(at, "Input")
    mse_before = metric_values(at)
    at.number_input(key=state.MAIN.index).set_value(7).run()
    no_errors(at)
    assert image_by_caption(at, "Input") != before and metric_values(at) != mse_before
    assert any("test digit #7" in c for c in captions(at))
    at.multiselect(key=reconstruct.MODELS).set_value(["linear16"]).run()
    no_errors(at)
    assert [c for c in captions(at) if c.endswith("reconstruction")] == ["linear16: reconstruction"]


def test_random_digit_of_a_class():
    at = run("reconstruct")
    at.selectbox(key=state.MAIN.klass).set_value(5).run()
    at.button(key=state.MAIN.another).click().run()
    no_errors(at)
    first = next(c for c in captions(at) if c.startswith("Input"))
    assert "(a 5)" in first
    at.button(key=state.MAIN.another).click().run()
    second = next(c for c in captions(at) if c.startswith("Input"))
    assert "(a 5)" in second and second != first  # another digit of the same class


def test_denoise_level_kind_and_seed_change_the_noisy_picture():
    at = run("denoise")
    noisy = image_by_caption(at, "Noisy")
    at.slider(key=denoise.LEVEL).set_value(0.6).run()
    no_errors(at)
    assert image_by_caption(at, "Noisy") != noisy
    psnr_high_noise = metric_values(at)
    at.number_input(key=denoise.SEED).set_value(3).run()
    assert metric_values(at) != psnr_high_noise
    for kind in ("salt_and_pepper", "occlusion"):
        at.button_group(key=denoise.KIND).set_value(kind).run()
        no_errors(at)
        assert image_by_caption(at, "Noisy") != noisy
        low, high = denoise.NOISE_LEVELS[kind].slider.low, denoise.NOISE_LEVELS[kind].slider.high
        assert low <= at.slider(key=denoise.LEVEL).value <= high  # the level follows the kind's range


def test_denoising_ae_beats_noise_and_median_filter_at_sigma_half():
    at = run("denoise")
    at.slider(key=denoise.LEVEL).set_value(0.5).run()
    titles = [c for c in captions(at) if c != "Clean" and not c.startswith("#")]  # not the sidebar's gallery
    values = dict(zip(titles, [float(v.split()[0]) for v in metric_values(at)], strict=True))
    assert values["Denoising AE (dae)"] > values["Median filter 3×3"] > values["Noisy"]


def server_sliders(at: AppTest) -> AppTest:
    """Switch the latent page from live (in-browser) dragging to the server's st.slider widgets."""
    at.toggle(key=latent.LIVE).set_value(False).run()
    no_errors(at)
    return at


def code_sliders(at: AppTest, model: str = "vae16") -> list:
    return [s for s in at.slider if s.key.startswith(f"latent_{model}_")]


def test_latent_live_mode_is_the_default_and_mounts_the_browser_decoder():
    at = run("latent")
    no_errors(at)
    assert at.toggle(key=latent.LIVE).value is True
    assert not code_sliders(at)  # the sliders live in the browser

    url = decoder_url("vae16")
    assert url is not None
    stem = url.rsplit("/", 1)[1]
    STATIC = static_folder()  # static/decoders/ beside app.py, the main script AppTest ran
    assert (STATIC / f"{stem}.bin").stat().st_size > 0 and (STATIC / f"{stem}.json").exists()


def test_latent_slider_changes_the_digit_and_reset_restores_it():
    at = server_sliders(run("latent"))
    start = image_by_caption(at, "Decoded from the sliders")
    slider = code_sliders(at)[0]
    slider.set_value(slider.max if slider.value < 0 else slider.min).run()
    no_errors(at)
    moved = image_by_caption(at, "Decoded from the sliders")
    assert moved != start
    at.button(key=latent.RESET).click().run()
    assert image_by_caption(at, "Decoded from the sliders") == start


def test_latent_new_digit_resets_sliders_and_interpolation_renders():
    at = server_sliders(run("latent"))
    values = [s.value for s in code_sliders(at)]
    at.number_input(key=state.MAIN.index).set_value(3).run()
    no_errors(at)
    assert [s.value for s in code_sliders(at)] != values
    strip = image_by_caption(at, "path from")
    at.radio(key=latent.PATH).set_value("spherical").run()
    assert image_by_caption(at, "path from") != strip
    at.number_input(key=state.SECOND.index).set_value(11).run()  # the interpolation's end, from its own picker
    no_errors(at)
    assert "to test digit #11" in next(c for c in captions(at) if "path from" in c)


def test_latent_two_d_model_shows_the_map():
    at = server_sliders(run("latent"))
    at.selectbox(key=latent.MODEL).set_value("vae2").run()
    no_errors(at)
    assert len(code_sliders(at, "vae2")) == 2
    (plane,) = digit_maps(at)
    assert plane["plane"] and plane["title"].startswith("Codes of the 2,000 sample digits under vae2")
    code = {int(s.key.rsplit("_", 1)[1]): s.value for s in code_sliders(at, "vae2")}  # by dimension
    assert plane["spot"] == pytest.approx([code[0], code[1]], abs=0.01)  # the current code, marked on the plane


def test_sample_seed_temperature_and_manifold_map():
    at = run("sample")
    grids = {k: image_by_caption(at, k) for k in ("ae16: uniform", "ae16: a mixture", "vae16: z ~", "vae16: a mixture")}
    at.button(key=sample.AGAIN).click().run()
    no_errors(at)
    after = {k: image_by_caption(at, k) for k in grids}
    assert all(after[k] != grids[k] for k in grids), "a new seed draws every sampler again"
    at.slider(key=sample.TEMPERATURE).set_value(0.5).run()
    now = {k: image_by_caption(at, k) for k in grids}
    assert now["vae16: z ~"] != after["vae16: z ~"]  # the temperature scales the prior's codes
    assert now["ae16: uniform"] == after["ae16: uniform"] and now["vae16: a mixture"] == after["vae16: a mixture"]
    at.selectbox(key=sample.MODEL).set_value("vae2").run()
    no_errors(at)
    assert any("manifold map" in h.value for h in at.header)


def test_sample_page_shows_each_samplers_measured_figures():
    at = run("sample")
    figures = [c.value for c in at.caption if "Fréchet distance" in c.value]
    assert len(figures) == 4, "a measured line under each of the four samplers"
    assert all("the floor" in line and "confidence" in line for line in figures)
    at.slider(key=sample.TEMPERATURE).set_value(0.8).run()
    assert any("T = 0.80 was not measured" in c.value for c in at.caption)  # no figure is invented
    table = at.dataframe[0].value
    assert {"the floor", "the decoder's limit"} <= {w.split(": ")[-1] for w in table["what is decoded"]}


def test_class_conditional_samples_and_style_row():
    at = run("sample")
    grid = image_by_caption(at, "samples of the class 3")
    row = image_by_caption(at, "Classes 0 to 9")
    at.radio(key=sample.CLASS).set_value(7).run()  # a fragment: only this section runs again ...
    no_errors(at)
    assert image_by_caption(at, "samples of the class 7") != grid
    assert any("reads a 7 in" in c.value for c in at.caption)
    assert at.query_params["c"] == "7"  # ... and it writes the URL itself
    at.slider(key=sample.style_slider_key("cvae4", 0)).set_value(2.0).run()
    no_errors(at)
    assert image_by_caption(at, "Classes 0 to 9") != row


def test_attribute_sliders_move_the_code_and_measure_the_change():
    at = server_sliders(run("latent"))
    assert image_by_caption(at, "The current code") == image_by_caption(at, "Moved along the directions")
    at.slider(key=latent.attribute_key("slant")).set_value(20.0).run()
    no_errors(at)
    table = at.dataframe[0].value.set_index("property")
    assert table.loc["slant (degrees)", "asked"] == 20.0
    assert table.loc["slant (degrees)", "measured change"] > 5.0, "the digit leans further right, measured"
    before = [s.value for s in code_sliders(at, "vae16")]
    at.button(key=latent.ATTRIBUTE_APPLY).click().run()
    no_errors(at)
    assert [s.value for s in code_sliders(at, "vae16")] != before, "the moved code becomes the sliders' code"
    assert at.slider(key=latent.attribute_key("slant")).value == 0.0


def upload(at: AppTest, name: str, data: bytes, mime: str) -> AppTest:
    at.file_uploader(key=state.MAIN.upload).set_value((name, data, mime)).run()
    return at


def test_upload_photo_then_bad_files_keep_the_previous_digit():
    at = run("denoise")
    test_digit = image_by_caption(at, "Clean")
    at.button_group(key=state.MAIN.source).set_value("Upload").run()
    no_errors(at)
    upload(at, "digit.jpg", photo_bytes(index=1), "image/jpeg")
    no_errors(at)
    assert image_by_caption(at, "What the model receives") and image_by_caption(at, "Denoising AE")
    clean = image_by_caption(at, "Clean")
    assert clean != test_digit  # the page works on the prepared upload
    bad_files = [
        ("blank.png", blank_bytes(), "image/png", "blank"),
        ("notes.png", b"these are not pixels", "image/png", "not an image"),
        ("cut.jpg", photo_bytes()[:2000], "image/jpeg", "truncated or damaged"),
        ("empty.png", b"", "image/png", "empty"),
    ]
    for name, data, mime, message in bad_files:
        upload(at, name, data, mime)
        assert not at.exception, [e.value for e in at.exception]
        assert len(at.error) == 1 and message in at.error[0].value, (name, [e.value for e in at.error])
        assert any("previous digit is still in use" in c.value for c in at.caption)
        assert image_by_caption(at, "Clean") == clean  # the page still renders the previous digit
    upload(at, "digit.png", photo_bytes("PNG", index=3), "image/png")
    no_errors(at)
    assert image_by_caption(at, "Clean") != clean  # the next good upload is the new digit


def test_upload_before_any_good_file_falls_back_to_a_test_digit():
    at = run("reconstruct")
    at.button_group(key=state.MAIN.source).set_value("Upload").run()
    no_errors(at)
    assert any("until yours is ready" in c for c in captions(at))
    at.file_uploader(key=state.MAIN.upload).set_value(("blank.png", blank_bytes(), "image/png")).run()
    assert "blank" in at.error[0].value and not at.exception


def test_latent_falls_back_to_server_sliders_when_the_decoder_cannot_be_served(tmp_path, monkeypatch):

    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the static folder should be")  # mkdir under it fails: a read-only install
    monkeypatch.setattr(live, "STATIC", blocked / "decoders")
    live.decoder_url.clear()
    try:
        at = run("latent")
        no_errors(at)
        assert any("Live dragging is not available" in c.value for c in at.caption)
        assert code_sliders(at)  # the server's sliders took over
        assert image_by_caption(at, "Decoded from the sliders")
    finally:
        live.decoder_url.clear()
