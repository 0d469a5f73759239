from otter.test_files import test_case

OK_FORMAT = False

name = "hw05_q2"
points = 1

@test_case(points=None, hidden=False)
def test_local_gaussian_model(local_gaussian_model):
    from course_lib import checks
    checks.check_local_gaussian_model(local_gaussian_model, strict=True)

