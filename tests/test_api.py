"""Tests of the package's shape as a whole: one error type, one set of STFT keywords
forwarded by every function that analyses or resynthesises, options keyword-only.
"""

from __future__ import annotations

import importlib
import inspect

import pytest

import course_lib
from course_lib import stft as stft_module

MODULES = [name for name in course_lib._SUBMODULES if name not in {"unet"}]

#: Every public function that takes an STFT analysis as keywords (it analyses a signal,
#: resynthesises one, or draws axes of a spectrogram).
STFT_USERS = [
    ("stft", "stft"),
    ("stft", "istft"),
    ("stft", "griffin_lim"),
    ("masks", "apply_masks"),
    ("masks", "oracle_estimates"),
    ("nmf", "component_signals"),
    ("plot", "specshow"),
    ("plot", "nmf_panel"),
    ("plot", "selected_frames"),
]


#: Optional data arguments, positional on purpose: ``example.sources("piano_C4")``,
#: ``verify_checksums("piano_notes")``, ``table.best("si_sdr")``, ``mel_filterbank(sr, n_fft, 40)``.
POSITIONAL_WITH_DEFAULT = {
    "data.Example.sources": {"names"},
    "data.verify_checksums": {"names"},
    "metrics.ScoresTable.best": {"metric"},
    "features.mel_filterbank": {"n_mels"},  # as librosa.filters.mel(sr=, n_fft=, n_mels=)
}


def _public_functions():
    for module_name in MODULES:
        module = importlib.import_module(f"course_lib.{module_name}")
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if inspect.isfunction(obj):
                yield f"{module_name}.{name}", obj
            elif inspect.isclass(obj):
                for method_name, method in vars(obj).items():
                    if inspect.isfunction(method) and not method_name.startswith("_"):
                        yield f"{module_name}.{name}.{method_name}", method


def test_parameter_error_is_public_and_a_value_error():
    assert course_lib.ParameterError is importlib.import_module(
        "course_lib._validation"
    ).ParameterError
    assert issubclass(course_lib.ParameterError, ValueError)
    assert "ParameterError" in course_lib.__all__


def test_tab_completion_lists_the_submodules():
    listed = dir(course_lib)
    for name in (*course_lib._SUBMODULES, "ParameterError", "fast_mode"):
        assert name in listed


@pytest.mark.parametrize(("module_name", "function_name"), STFT_USERS)
def test_every_stft_user_accepts_every_stft_keyword_with_the_same_default(
    module_name, function_name
):
    reference = inspect.signature(stft_module.stft).parameters
    function = getattr(importlib.import_module(f"course_lib.{module_name}"), function_name)
    parameters = inspect.signature(function).parameters
    missing = [key for key in stft_module.STFT_KEYWORDS if key not in parameters]
    assert not missing, f"{module_name}.{function_name} lacks the STFT keywords {missing}"
    for key in stft_module.STFT_KEYWORDS:
        assert parameters[key].kind is inspect.Parameter.KEYWORD_ONLY, key
        assert parameters[key].default == reference[key].default, (
            f"{module_name}.{function_name}({key}=...) defaults to {parameters[key].default!r}, "
            f"stft.stft to {reference[key].default!r}"
        )


def test_stft_keywords_are_exactly_those_of_stft():
    keyword_only = [
        name
        for name, parameter in inspect.signature(stft_module.stft).parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY
    ]
    assert tuple(keyword_only) == stft_module.STFT_KEYWORDS


@pytest.mark.parametrize(("qualified_name", "function"), list(_public_functions()))
def test_options_are_keyword_only(qualified_name, function):
    # The data arguments are positional; every option (a parameter with a default) is
    # keyword-only, so that adding or reordering options never breaks a student's call.
    for name, parameter in inspect.signature(function).parameters.items():
        if name in POSITIONAL_WITH_DEFAULT.get(qualified_name, ()):
            continue
        if parameter.default is not inspect.Parameter.empty:
            assert parameter.kind is inspect.Parameter.KEYWORD_ONLY, (
                f"{qualified_name}: option {name!r} can be passed by position; put it after *"
            )
