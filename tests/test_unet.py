"""Tests of course_lib.unet: the network's shapes, the dataset, a training step, chunked
inference, the shipped model's quality on the test songs, and the errors.

The tests that need PyTorch take the ``torch`` fixture, which skips them when torch is not
installed (one CI leg runs without it); the message of a missing torch is tested in a
subprocess that hides torch, so it runs on every leg.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

from course_lib import data, metrics, unet
from course_lib._validation import ParameterError

#: A tiny network (a few thousand parameters) for the tests of shapes and training.
TINY = (2, 2, 4, 4, 4, 4)


@pytest.fixture
def torch():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    return torch


@pytest.fixture(scope="module")
def pretrained():
    pytest.importorskip("torch")
    return unet.load_pretrained()


@pytest.fixture(scope="module")
def test_songs():
    return data.load_corpus("test")


def tiny_model(**kwargs):
    model = unet.UNet(channels=TINY, **kwargs)
    return model.eval()


# ---------------------------------------------------------------------------
# Without torch
# ---------------------------------------------------------------------------


def test_missing_torch_gives_the_install_command():
    # Hide torch (sys.modules["torch"] = None makes `import torch` fail) in a fresh
    # interpreter: course_lib and the torch-free parts of course_lib.unet still work, and
    # everything that needs torch says how to install it.
    code = textwrap.dedent("""
        import sys
        sys.modules["torch"] = None
        import course_lib
        from course_lib import unet
        assert unet.parameter_count("cpu") == 2457257
        for attempt in (lambda: unet.UNet, lambda: unet.load_pretrained(),
                        lambda: unet.set_seed(0)):
            try:
                attempt()
            except ModuleNotFoundError as exc:
                print("MESSAGE:", exc)
            else:
                raise SystemExit("no error without torch")
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    messages = [line for line in result.stdout.splitlines() if line.startswith("MESSAGE:")]
    assert len(messages) == 3
    for message in messages:
        assert "python scripts/install_torch.py" in message
        assert "pip install torch --index-url https://download.pytorch.org/whl/cpu" in message


def test_presets_have_the_documented_sizes():
    assert unet.PRESETS["paper"] == (16, 32, 64, 128, 256, 512)
    assert 9.7e6 < unet.parameter_count("paper") < 9.9e6  # 39 MB as float32
    cpu = unet.parameter_count("cpu")
    assert 2.4e6 < cpu < 2.5e6
    assert cpu * 4 < 10e6


@pytest.mark.parametrize(
    ("channels", "error", "match"),
    [("huge", ParameterError, "not a preset"), ((8, 16), ParameterError, "six"),
     (8, TypeError, "channels"), ((8, 16, 32, 64, 128, 0), ParameterError, "channels\\[5\\]"),
     ((8, 16, 32, 64, 128, 2.5), TypeError, "channels\\[5\\]")],
)
def test_bad_channels_raise(channels, error, match):
    with pytest.raises(error, match=match):
        unet.parameter_count(channels)


def test_sine_taper_window_sums_to_one_at_the_hop():
    window = unet.WINDOW
    assert window.shape == (unet.N_FFT,)
    overlap = window[unet.HOP_LENGTH:] ** 2 + window[: unet.N_FFT - unet.HOP_LENGTH] ** 2
    np.testing.assert_allclose(overlap, 1.0, atol=1e-12)


# ---------------------------------------------------------------------------
# The dataset (numpy only)
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_dataset():
    return unet.MixtureDataset(data.load_corpus("train", limit=4), random_state=3)


def test_dataset_patches_are_deterministic_and_normalised(small_dataset):
    mixture, lead = small_dataset.patch(11)
    assert mixture.shape == lead.shape == (unet.N_BINS, unet.PATCH_FRAMES)
    assert mixture.dtype == lead.dtype == np.float32
    assert mixture.max() == pytest.approx(1.0)
    assert lead.min() >= 0
    again = unet.MixtureDataset(data.load_corpus("train", limit=4), random_state=3).patch(11)
    np.testing.assert_array_equal(mixture, again[0])
    np.testing.assert_array_equal(lead, again[1])
    assert not np.array_equal(mixture, small_dataset.patch(12)[0])
    x, y = small_dataset.batch([0, 1, 2])
    assert x.shape == y.shape == (3, 1, unet.N_BINS, unet.PATCH_FRAMES)


def test_dataset_without_augmentation_is_a_patch_of_the_song():
    song = data.load_corpus("train", limit=1)[0]
    dataset = unet.MixtureDataset([song], gain_db=0.0, remix_probability=0.0, random_state=0)
    mixture, lead = dataset.patch(0)
    full = np.abs(unet._stft(song.mixture))[: unet.N_BINS]
    full_lead = np.abs(unet._stft(song.stems["lead"]))[: unet.N_BINS]
    # find the offset: the patch is the song's own mixture, scaled by its maximum
    starts = [s for s in range(full.shape[1] - unet.PATCH_FRAMES + 1)
              if np.allclose(full[:, s:s + unet.PATCH_FRAMES] / full[:, s:s + 128].max(),
                             mixture, atol=1e-5)]
    assert starts
    window = full_lead[:, starts[0]:starts[0] + unet.PATCH_FRAMES]
    np.testing.assert_allclose(lead, window / full[:, starts[0]:starts[0] + 128].max(),
                               atol=1e-5)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [({"patch_frames": 100}, ParameterError, "multiple of 64"),
     ({"patch_frames": 1024}, ParameterError, "fewer than patch_frames"),
     ({"remix_probability": 1.5}, ParameterError, "remix_probability"),
     ({"gain_db": -1.0}, ParameterError, "gain_db"),
     ({"random_state": 1.5}, TypeError, "random_state")],
)
def test_dataset_rejects_bad_arguments(kwargs, error, match):
    songs = data.load_corpus("validation", limit=1)
    with pytest.raises(error, match=match):
        unet.MixtureDataset(songs, **kwargs)


def test_dataset_rejects_songs_that_are_not_the_corpus():
    with pytest.raises(TypeError, match="songs"):
        unet.MixtureDataset([np.zeros(100000)])
    with pytest.raises(ParameterError, match="8192 Hz"):
        unet.MixtureDataset([data.load_example("piano_notes")])


# ---------------------------------------------------------------------------
# The network
# ---------------------------------------------------------------------------


def test_unet_has_the_paper_architecture(torch):
    model = unet.UNet(channels="paper")
    assert sum(p.numel() for p in model.parameters()) == unet.parameter_count("paper")
    convs = [m for m in model.encoder.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [(c.kernel_size, c.stride) for c in convs] == [((5, 5), (2, 2))] * 6
    leaky = [m for m in model.encoder.modules() if isinstance(m, torch.nn.LeakyReLU)]
    assert [m.negative_slope for m in leaky] == [0.2] * 6
    dropouts = [any(isinstance(m, torch.nn.Dropout) for m in layer.modules())
                for layer in model.decoder]
    assert dropouts == [True, True, True, False, False, False]
    assert isinstance(model.decoder[-1][-1], torch.nn.Sigmoid)


@pytest.mark.parametrize("frames", [64, 128, 192, 320])
def test_unet_mask_has_the_input_shape_and_is_in_unit_interval(torch, frames):
    model = tiny_model()
    x = torch.rand(2, 1, unet.N_BINS, frames)
    with torch.no_grad():
        mask = model(x)
    assert mask.shape == x.shape
    assert float(mask.min()) >= 0 and float(mask.max()) <= 1


@pytest.mark.parametrize(("shape", "match"), [((1, 512, 128), "batch, 1, freq"),
                                              ((1, 1, 512, 100), "divisible by 64")])
def test_unet_rejects_bad_input_shapes(torch, shape, match):
    with pytest.raises(ParameterError, match=match):
        tiny_model()(torch.zeros(shape))


def test_unet_rejects_bad_options(torch):
    with pytest.raises(ParameterError, match="dropout"):
        unet.UNet(dropout=1.0)
    with pytest.raises(TypeError, match="channels"):
        unet.UNet(channels=None)


def test_receptive_field_is_within_the_chunk_context(torch):
    # A change in one frame must not reach frames further than CONTEXT_FRAMES away, or
    # chunked inference could not equal a single pass.
    model = unet.UNet(channels="cpu").eval()
    x = torch.rand(1, 1, unet.N_BINS, 640)
    changed = x.clone()
    changed[..., 320] += 1
    with torch.no_grad():
        difference = (model(x) - model(changed)).abs().amax(dim=(0, 1, 2))
    reached = torch.nonzero(difference > 0).flatten() - 320
    assert int(reached.abs().max()) < unet.CONTEXT_FRAMES


# ---------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------


def test_adam_steps_decrease_the_loss_on_a_fixed_batch(torch, small_dataset):
    model = unet.UNet(channels=TINY, dropout=0.0)
    mixture, lead = (torch.from_numpy(a) for a in small_dataset.batch(range(4)))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    model.train()
    losses = []
    for _ in range(8):
        optimizer.zero_grad()
        loss = unet._l1(model, mixture, lead)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.8 * losses[0]


def test_train_returns_history_and_writes_the_best_checkpoint(torch, small_dataset, tmp_path):
    seen = []
    result = unet.train(
        unet.UNet(channels=TINY), small_dataset, validation=data.load_corpus("validation", limit=1),
        epochs=2, steps_per_epoch=2, batch_size=2, checkpoint=tmp_path / "best.pt",
        callback=seen.append, random_state=1, progress=False,
    )
    assert result.train_loss.shape == result.validation_loss.shape == result.seconds.shape == (2,)
    assert result.best_epoch == int(np.argmin(result.validation_loss)) + 1
    assert [entry["epoch"] for entry in seen] == [1, 2]
    assert [entry["epoch"] for entry in result.log()] == [1, 2]
    assert not result.model.training
    state = torch.load(tmp_path / "best.pt", weights_only=True)
    for key, value in result.model.state_dict().items():
        assert torch.equal(state[key], value)
    assert "stopped early" not in repr(result) or result.stopped_early


def test_train_stops_after_patience_epochs_without_improvement(torch, small_dataset):
    result = unet.train(unet.UNet(channels=TINY), small_dataset,
                        validation=data.load_corpus("validation", limit=1), epochs=5,
                        steps_per_epoch=1, batch_size=2, learning_rate=0.3, patience=1,
                        random_state=2, progress=False)
    losses = result.validation_loss
    if result.stopped_early:
        assert result.epochs - result.best_epoch == 1
        assert losses[-1] >= losses[result.best_epoch - 1]
    else:
        assert result.epochs == 5 and np.all(np.diff(losses) < 0)


def test_train_is_reproducible_under_a_seed(torch, small_dataset):
    runs = []
    for _ in range(2):
        unet.set_seed(5)  # the initial weights
        runs.append(unet.train(unet.UNet(channels=TINY), small_dataset,
                               validation=data.load_corpus("validation", limit=1), epochs=1,
                               steps_per_epoch=2, batch_size=2, random_state=5, progress=False))
    np.testing.assert_allclose(runs[0].train_loss, runs[1].train_loss, rtol=1e-5)
    np.testing.assert_allclose(runs[0].validation_loss, runs[1].validation_loss, rtol=1e-5)


def test_train_rejects_bad_arguments(torch, small_dataset):
    model = unet.UNet(channels=TINY)
    with pytest.raises(TypeError, match="dataset"):
        unet.train(model, np.zeros((4, 512, 128)), progress=False)
    with pytest.raises(TypeError, match="model"):
        unet.train("model", small_dataset, progress=False)
    with pytest.raises(ParameterError, match="epochs"):
        unet.train(model, small_dataset, epochs=0, progress=False)
    with pytest.raises(TypeError, match="callback"):
        unet.train(model, small_dataset, callback=3, progress=False)


# ---------------------------------------------------------------------------
# Inference
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("samples", [1024, 1025, 1791, 4096, 768 * 63, 768 * 64 + 1,
                                     768 * 130 + 17, 8192 * 40 + 3])
def test_separate_returns_signals_as_long_as_the_input(torch, rng, samples):
    model = tiny_model()
    mixture = rng.standard_normal(samples).astype(np.float32) * 0.1
    result = unet.separate(model, mixture, unet.SR)
    lead, accompaniment = result
    assert lead.shape == accompaniment.shape == (samples,)
    assert lead.dtype == accompaniment.dtype == np.float32
    frames = 1 + samples // unet.HOP_LENGTH
    assert result.mask.shape == (unet.N_FFT // 2 + 1, frames)
    assert result.mask.min() >= 0 and result.mask.max() <= 1
    assert np.all(result.mask[-1] == 0)  # the Nyquist bin
    # the mixture phase: the two estimates add up to the mixture
    np.testing.assert_allclose(lead + accompaniment, mixture, atol=1e-5)


def test_chunked_inference_equals_a_single_pass(pretrained, test_songs):
    song = np.concatenate([s.mixture for s in test_songs[:3]])  # 48 s, 513 frames: 5 chunks
    X = unet._stft(song)
    assert X.shape[1] >= 3 * unet.PATCH_FRAMES
    chunked = unet.predict_mask(pretrained.model, X, chunk_frames=unet.PATCH_FRAMES)
    single = unet.predict_mask(pretrained.model, X, chunk_frames=None)
    np.testing.assert_allclose(chunked, single, atol=1e-5)
    other = unet.predict_mask(pretrained.model, X, chunk_frames=192, batch_size=1)
    np.testing.assert_allclose(other, single, atol=1e-5)
    lead_chunked = unet.separate(pretrained.model, song, unet.SR).lead
    lead_single = unet.separate(pretrained.model, song, unet.SR, chunk_frames=None).lead
    np.testing.assert_allclose(lead_chunked, lead_single, atol=1e-5)


def test_mask_does_not_depend_on_the_level(pretrained, test_songs):
    X = unet._stft(test_songs[0].mixture)
    np.testing.assert_allclose(unet.predict_mask(pretrained.model, X),
                               unet.predict_mask(pretrained.model, 0.01 * X), atol=1e-5)


def test_silence_gives_silence(torch):
    lead, accompaniment = unet.separate(tiny_model(), np.zeros(8192, np.float32), unet.SR)
    assert not lead.any() and not accompaniment.any()


def test_stereo_and_other_rates_are_converted_with_a_warning(torch, rng):
    model = tiny_model()
    stereo = rng.standard_normal((2, 22050)).astype(np.float32) * 0.1
    with pytest.warns(UserWarning) as record:
        result = unet.separate(model, stereo, 22050)
    text = " ".join(str(w.message) for w in record)
    assert "channels" in text and "8192 Hz" in text
    assert result.sr == unet.SR
    assert result.lead.shape == result.mixture.shape == (8192,)


def test_griffin_lim_phase(torch, rng):
    mixture = rng.standard_normal(8192 * 2).astype(np.float32) * 0.1
    lead, accompaniment = unet.separate(tiny_model(), mixture, unet.SR, phase="griffin_lim",
                                        griffin_lim_iterations=4, random_state=0)
    assert lead.shape == accompaniment.shape == mixture.shape
    assert np.all(np.isfinite(lead))


@pytest.mark.skipif(importlib.util.find_spec("course_lib.wiener") is None,
                    reason="course_lib.wiener is not there yet")
def test_wiener_refinement_sums_to_the_mixture(pretrained, test_songs):
    song = test_songs[0]
    plain = unet.separate(pretrained.model, song.mixture, song.sr)
    refined = unet.separate(pretrained.model, song.mixture, song.sr, wiener_iterations=1)
    # the two STFTs sum to the mixture's; in time, up to the last frame (whose window tail
    # the inverse STFT divides by)
    inner = slice(0, -unet.N_FFT)
    np.testing.assert_allclose((refined.lead + refined.accompaniment)[inner],
                               song.mixture[inner], atol=1e-4)
    np.testing.assert_array_equal(plain.mask, refined.mask)
    assert not np.allclose(plain.lead, refined.lead)


@pytest.mark.parametrize(
    ("mixture", "kwargs", "error", "match"),
    [(np.zeros(0, np.float32), {}, ParameterError, "at least 1 sample"),
     (np.full(4096, np.nan, np.float32), {}, ParameterError, "non-finite"),
     (np.zeros(1000, np.float32), {}, ParameterError, "shorter than one STFT frame"),
     (np.zeros(4096, np.int16), {}, TypeError, "mixture"),
     ("song.wav", {}, TypeError, "mixture"),
     (np.zeros(4096, np.float32), {"phase": "random"}, ParameterError, "phase"),
     (np.zeros(4096, np.float32), {"phase": 1}, TypeError, "phase"),
     (np.zeros(4096, np.float32), {"wiener_iterations": -1}, ParameterError,
      "wiener_iterations"),
     (np.zeros(4096, np.float32), {"wiener_iterations": 1.0}, TypeError, "wiener_iterations"),
     (np.zeros(4096, np.float32), {"phase": "griffin_lim", "wiener_iterations": 1},
      ParameterError, "cannot be combined"),
     (np.zeros(4096, np.float32), {"chunk_frames": 100}, ParameterError, "multiple of 64")],
)
def test_separate_rejects_bad_input(torch, mixture, kwargs, error, match):
    with pytest.raises(error, match=match):
        unet.separate(tiny_model(), mixture, unet.SR, **kwargs)


def test_separate_rejects_a_model_that_is_not_one(torch):
    with pytest.raises(TypeError, match="load_pretrained"):
        unet.separate("unet.pt", np.zeros(4096, np.float32), unet.SR)
    with pytest.raises(ParameterError, match="sr"):
        unet.separate(tiny_model(), np.zeros(4096, np.float32), 0)


def test_predict_mask_rejects_a_wrong_stft(torch):
    with pytest.raises(ParameterError, match="513"):
        unet.predict_mask(tiny_model(), np.zeros((1025, 20), np.complex64))


# ---------------------------------------------------------------------------
# The shipped model
# ---------------------------------------------------------------------------


def test_pretrained_model_loads_with_its_config_and_log(pretrained):
    assert pretrained.model.channels == unet.PRESETS["cpu"]
    assert not pretrained.model.training
    assert pretrained.path.stat().st_size < 10e6
    assert "train_unet.py" in pretrained.command
    assert pretrained.config["n_fft"] == unet.N_FFT
    assert pretrained.config["hop_length"] == unet.HOP_LENGTH
    assert pretrained.torch_version
    assert len(pretrained.log) == pretrained.config["epochs_run"]
    assert min(pretrained.validation_loss) == pytest.approx(
        pretrained.config["best_validation_loss"])


def test_saved_test_scores_were_made_with_the_shipped_weights():
    # benchmarks/bench_unet.py records the SHA-256 of the weights it scored; notebook 06 shows
    # its table. Retraining without running the benchmark again fails here.
    import hashlib
    import json

    models = data.data_dir() / "models"
    scores = json.loads((models / "unet_test_scores.json").read_text())
    weights = hashlib.sha256((models / "unet_cpu.pt").read_bytes()).hexdigest()
    assert scores["model"]["sha256"] == weights, (
        "data/models/unet_test_scores.json scores other weights than data/models/unet_cpu.pt: "
        "run `python benchmarks/bench_unet.py` again")


def test_load_pretrained_errors(tmp_path, torch):
    with pytest.raises(ParameterError, match="not a shipped model"):
        unet.load_pretrained("paper")
    with pytest.raises(data.DataNotFoundError, match="make train-unet"):
        unet.load_pretrained(models_dir=tmp_path)


def test_pretrained_model_improves_the_lead_on_every_test_song(pretrained, test_songs):
    # BSS Eval v4 on the whole song (window=None, 0.4 s a song; the 1-second frames of
    # SiSEC take 3 s a song: benchmarks/bench_unet.py uses them).
    from course_lib import masks

    gains, ideal = [], []
    for song in test_songs:
        references = song.sources(["lead", "accompaniment"])
        lead, accompaniment = unet.separate(pretrained.model, song.mixture, song.sr)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mixture_score = metrics.bss_eval(references, np.stack([song.mixture] * 2), song.sr,
                                             window=None)
            unet_score = metrics.bss_eval(references, np.stack([lead, accompaniment]),
                                          song.sr, window=None)
            stems = np.stack([unet._stft(s) for s in references])
            oracle = masks.apply_masks(unet._stft(song.mixture), masks.ideal_ratio_mask(stems),
                                       song.sr, n_fft=unet.N_FFT, hop_length=unet.HOP_LENGTH,
                                       window=unet.WINDOW, length=song.mixture.shape[-1])
            ideal_score = metrics.bss_eval(references, oracle, song.sr, window=None)
        gains.append(unet_score.sdr[0] - mixture_score.sdr[0])
        ideal.append(ideal_score.sdr[0] - mixture_score.sdr[0])
    print(f"\nlead SDR improvement over the mixture, mean of {len(gains)} test songs: "
          f"U-Net {np.mean(gains):.2f} dB, ideal ratio mask {np.mean(ideal):.2f} dB; per song "
          f"{np.round(gains, 1).tolist()}")
    assert np.mean(gains) >= 5.0
