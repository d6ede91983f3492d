"""The errors cnn-report raises on purpose.

Each carries a one-line message that names what went wrong and how to fix it;
the command line turns them into a clean ``Error: ...`` line in one place
(``report.cli``), so nothing below it prints tracebacks at users.
"""


class ReportError(Exception):
    """Base class for every error a user can act on."""


class OptionError(ReportError):
    """An option's value cannot work with this data (for example, a limit above the data's size)."""


class DataError(ReportError):
    """The dataset is missing, unreadable or not MNIST-shaped."""


class CacheError(ReportError):
    """The results cache cannot be used (for example, its folder is not writable)."""


class ProjectError(ReportError):
    """The project file (cnn-report.toml), a note or an image it names is wrong: bad input, exit code 2."""


class SpecError(ProjectError):
    """A network or experiment of the project file cannot be built (an unknown layer, maps that shrink to nothing, ...)."""


class RenderError(ReportError):
    """The HTML or PDF could not be produced."""


class OutputError(ReportError):
    """The report cannot be written where the user asked."""


class SageMakerError(ReportError):
    """A SageMaker job, launch or schedule cannot go ahead (bad input, AWS refused, the job failed)."""


class WorkerError(ReportError):
    """A worker process training a fit died (killed, out of memory) before it finished."""


class NotebookError(ReportError):
    """The notebook could not be written or run to the end (``cnn-report notebook``)."""
