"""A test runner that prints one line per test, "PASS|FAIL|ERROR|SKIP test.id",
for test/run_all.sh to count; failures' tracebacks follow at the end as usual."""
import unittest

from django.test.runner import DiscoverRunner


class OneLinePerTestResult(unittest.TextTestResult):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.dots = self.showAll = False  # our lines replace unittest's progress

    def _line(self, outcome, test, detail=""):
        self.stream.writeln(f"{outcome} {test.id()}{detail}")
        self.stream.flush()

    def addSuccess(self, test):
        super().addSuccess(test)
        self._line("PASS", test)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._line("FAIL", test)

    def addError(self, test, err):
        super().addError(test, err)
        self._line("ERROR", test)

    def addSubTest(self, test, subtest, err):
        # a test whose subtest failed gets no addSuccess: its failures are its lines
        super().addSubTest(test, subtest, err)
        if err is not None:
            failed = issubclass(err[0], test.failureException)
            self._line("FAIL" if failed else "ERROR", subtest)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._line("SKIP", test, f": {reason}")

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._line("PASS", test, " (expected failure)")

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._line("FAIL", test, " (unexpected success)")


class OneLinePerTestRunner(DiscoverRunner):
    def get_resultclass(self):
        return OneLinePerTestResult
