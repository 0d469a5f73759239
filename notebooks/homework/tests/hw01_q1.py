from otter.test_files import test_case

OK_FORMAT = False

name = "hw01_q1"
points = 1

@test_case(points=None, hidden=False)
def test_frame_signal(frame_signal):
    from course_lib import checks
    checks.check_frame_signal(frame_signal, strict=True)

