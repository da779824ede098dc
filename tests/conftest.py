"""Suite-wide settings: Qt runs offscreen, nothing touches the user's real data folder or keychain."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HARDTRUTHS_DATA_DIR", os.path.join(os.environ.get("TMPDIR", "/tmp"), "hardtruths-test-default"))
