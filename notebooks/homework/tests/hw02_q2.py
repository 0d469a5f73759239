from otter.test_files import test_case

OK_FORMAT = False

name = "hw02_q2"
points = 1

@test_case(points=None, hidden=False)
def test_kl_update_h(kl_update_h):
    from course_lib import checks
    checks.check_kl_update_h(kl_update_h, strict=True)

