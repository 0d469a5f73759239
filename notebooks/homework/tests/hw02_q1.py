from otter.test_files import test_case

OK_FORMAT = False

name = "hw02_q1"
points = 1

@test_case(points=None, hidden=False)
def test_kl_divergence(kl_divergence):
    from course_lib import checks
    checks.check_kl_divergence(kl_divergence, strict=True)

