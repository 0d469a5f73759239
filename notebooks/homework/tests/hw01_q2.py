from otter.test_files import test_case

OK_FORMAT = False

name = "hw01_q2"
points = 1

@test_case(points=None, hidden=False)
def test_framed_dft(framed_dft):
    from course_lib import checks
    checks.check_framed_dft(framed_dft, strict=True)

