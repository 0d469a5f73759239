from otter.test_files import test_case

OK_FORMAT = False

name = "hw03_q1"
points = 1

@test_case(points=None, hidden=False)
def test_hz_to_mel(hz_to_mel):
    from course_lib import checks
    checks.check_hz_to_mel(hz_to_mel, strict=True)

