from otter.test_files import test_case

OK_FORMAT = False

name = "hw04_q1"
points = 1

@test_case(points=None, hidden=False)
def test_spa_step(spa_step):
    from course_lib import checks
    checks.check_spa_step(spa_step, strict=True)

