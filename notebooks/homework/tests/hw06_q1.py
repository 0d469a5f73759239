from otter.test_files import test_case

OK_FORMAT = False

name = "hw06_q1"
points = 1

@test_case(points=None, hidden=False)
def test_conv_transpose_1d(conv_transpose_1d):
    from course_lib import checks
    checks.check_conv_transpose_1d(conv_transpose_1d, strict=True)

