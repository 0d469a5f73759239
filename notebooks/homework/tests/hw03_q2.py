from otter.test_files import test_case

OK_FORMAT = False

name = "hw03_q2"
points = 1

@test_case(points=None, hidden=False)
def test_mel_filterbank(mel_filterbank):
    from course_lib import checks
    checks.check_mel_filterbank(mel_filterbank, strict=True)

