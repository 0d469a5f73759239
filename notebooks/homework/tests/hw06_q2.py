from otter.test_files import test_case

OK_FORMAT = False

name = "hw06_q2"
points = 1

@test_case(points=None, hidden=False)
def test_transposed_output_length(transposed_output_length):
    from course_lib import checks
    checks.check_transposed_output_length(transposed_output_length, strict=True)

