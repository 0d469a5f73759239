from otter.test_files import test_case

OK_FORMAT = False

name = "hw04_q2"
points = 1

@test_case(points=None, hidden=False)
def test_project_simplex(project_simplex):
    from course_lib import checks
    checks.check_project_simplex(project_simplex, strict=True)

