from otter.test_files import test_case

OK_FORMAT = False

name = "hw05_q1"
points = 1

@test_case(points=None, hidden=False)
def test_wiener_gain_2ch(wiener_gain_2ch):
    from course_lib import checks
    checks.check_wiener_gain_2ch(wiener_gain_2ch, strict=True)

