"""Suite-wide settings: Qt runs offscreen, nothing touches the user's real data folder or keychain."""

import os
import sys
from collections.abc import Generator

import pytest
from support.worker_exit import pytest_sessionfinish  # noqa: F401 (an xdist worker collects before it reports)

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HARDTRUTHS_DATA_DIR", os.path.join(os.environ.get("TMPDIR", "/tmp"), "hardtruths-test-default"))



@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, None, None]:
    """Delete the widgets a Qt test closed before the next test starts.

    pytest-qt closes each test's widgets and calls ``deleteLater``, but outside a running event loop
    those deletions wait for the next test's first wait: every Qt test then built its window while the
    previous one (about 1,100 widgets) was still alive and re-polished with it.
    """
    result = yield
    if "PySide6.QtWidgets" in sys.modules:
        from PySide6.QtCore import QCoreApplication, QEvent

        if QCoreApplication.instance() is not None:
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    return result
