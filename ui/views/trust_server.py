"""Ward setup > Trust server (issue 12): connect this station to the trust server (server address and
the one-time enrolment code IT gives), and choose this station's own ward.

Enrolment runs on the sync runner's own thread (``SyncRunner.enrol``: network, never the GUI
thread); the rules are the core's (``SyncEngine.enrol``: address, code, one trust server), and the
station's ward is ``store.station``'s.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hardtruths_desktop.domain.validation import ValidationError
from ui.fit import searchable
from ui.screen import Job, Screen
from ui.widgets import buddy_label, error_label, mark_invalid, show_error

if TYPE_CHECKING:
    from hardtruths_desktop.store.session import Store, WriteTx
    from ui.context import Context

#: (server address, code, CA bundle path or None, move from another server, on_done, on_error)
Enroller = Callable[[str, str, "str | None", bool, Callable[[Any], None], Callable[[BaseException], None]], None]


class TrustServerPage(Screen):
    enrolled = Signal(str)  # the ward code the station is now enrolled with
    station_ward_set = Signal(str)
    entities = frozenset({"ward", "sync"})

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.setAccessibleName("Trust server")
        self.enroller: Enroller | None = None
        self.data: Any = None

        connect_box = QGroupBox("Connect this station to the trust server")
        self.state = QLabel()
        self.state.setWordWrap(True)
        self.server_edit = QLineEdit()
        self.server_edit.setPlaceholderText("e.g. https://wardstation.trust.nhs.uk")
        self.server_edit.setMaxLength(300)
        self.code_edit = QLineEdit()
        self.code_edit.setPlaceholderText("the one-time code IT gave you, e.g. K7QD-29XM")
        self.code_edit.setMaxLength(40)
        # what the command line's --ca-bundle and --force do (issue 12)
        self.ca_edit = QLineEdit()
        self.ca_edit.setPlaceholderText("only if IT gives you one (a .pem file)")
        self.ca_edit.setMaxLength(1000)
        self.ca_browse = QPushButton("Choose file…")
        self.ca_browse.setAccessibleName("Choose the CA bundle file")
        self.ca_browse.clicked.connect(self._choose_ca)
        self.force_box = QCheckBox("Move this station to this server (it is connected to another one now)")
        self.force_box.setAccessibleName("Move this station to this server")
        self.server_error, self.code_error, self.ca_error = error_label(), error_label(), error_label()
        self.connect_error = error_label()
        self.connect_btn = QPushButton("Co&nnect")
        self.connect_btn.setObjectName("primary")
        self.connect_btn.setAccessibleName("Connect to the trust server")
        self.connect_btn.clicked.connect(self.connect_server)
        self.code_edit.returnPressed.connect(self.connect_server)
        form = QFormLayout()
        form.addRow(buddy_label("Server &address:", self.server_edit, "Trust server address"), self.server_edit)
        form.addRow("", self.server_error)
        form.addRow(buddy_label("Enrolment co&de:", self.code_edit, "Enrolment code"), self.code_edit)
        form.addRow("", self.code_error)
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca_edit, 1)
        ca_row.addWidget(self.ca_browse)
        form.addRow(buddy_label("CA bund&le (optional):", self.ca_edit, "CA bundle file"), ca_row)
        form.addRow("", self.ca_error)
        form.addRow("", self.force_box)
        cl = QVBoxLayout(connect_box)
        intro = QLabel("IT gives the ward a server address and a one-time enrolment code for this ward. Until the station "
                       "is connected, everything is saved on this PC and nothing is lost; it is sent once connected.")
        intro.setWordWrap(True)
        cl.addWidget(intro)
        cl.addWidget(self.state)
        cl.addLayout(form)
        cl.addWidget(self.connect_error)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.connect_btn)
        cl.addLayout(row)

        ward_box = QGroupBox("This station's ward")
        self.ward_box = QComboBox()
        searchable(self.ward_box)  # searches as you type
        self.ward_error = error_label()
        self.ward_btn = QPushButton("Ma&ke it this station's ward")
        self.ward_btn.clicked.connect(self.set_ward)
        wl = QVBoxLayout(ward_box)
        whint = QLabel("The sign-in page opens on this ward after every restart. An enrolled station uses the ward it "
                       "was enrolled with.")
        whint.setWordWrap(True)
        wl.addWidget(whint)
        wf = QFormLayout()
        wf.addRow(buddy_label("Ward of this station:", self.ward_box, "This station's ward"), self.ward_box)
        wl.addLayout(wf)
        wl.addWidget(self.ward_error)
        wrow = QHBoxLayout()
        wrow.addStretch(1)
        wrow.addWidget(self.ward_btn)
        wl.addLayout(wrow)

        lay = QVBoxLayout(self)
        lay.addWidget(connect_box)
        lay.addWidget(ward_box)
        lay.addStretch(1)

    # --- what is shown ------------------------------------------------------------------------------

    def ward_changed(self) -> None:
        self.refresh()

    def loader(self) -> Job | None:
        def job(store: Store) -> Any:
            from hardtruths_desktop.readmodels.roster import load_roster
            from hardtruths_desktop.store.sync_store import sync_info

            return load_roster(store), sync_info(store)

        return job

    def show_data(self, data: Any, **_opts: Any) -> None:
        roster, info = data
        self.data = data
        self.force_box.setVisible(bool(info.device_id))  # only a connected station can be moved
        if info.device_id:
            self.state.setText(f"✓ Connected to {info.server_url} for ward {info.ward_code}. To move it to another "
                               "server, ask IT for a new code.")
            if not self.server_edit.text():
                self.server_edit.setText(info.server_url or "")
        else:
            self.state.setText("▲ Not connected to the trust server yet.")
        keep = roster.home_ward or self.ward_box.currentData()
        self.ward_box.clear()
        for w in roster.wards:
            self.ward_box.addItem(f"{w.name} ({w.code})", w.code)
        i = self.ward_box.findData(keep)
        self.ward_box.setCurrentIndex(max(i, 0))

    # --- connecting ------------------------------------------------------------------------------------

    def _choose_ca(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getOpenFileName(self, "The trust's CA bundle", self.ca_edit.text(),
                                              "CA bundle (*.pem *.crt *.cer);;Any file (*)")
        if path:
            self.ca_edit.setText(path)
            self.ca_edit.setFocus()

    def _field_errors(self) -> dict[str, tuple[QLabel, QWidget]]:
        return {"server": (self.server_error, self.server_edit), "code": (self.code_error, self.code_edit),
                "ca_bundle": (self.ca_error, self.ca_edit)}

    def connect_server(self) -> None:
        if self.enroller is None:
            return
        show_error(self.connect_error, None)
        for lab, w in self._field_errors().values():
            show_error(lab, None)
            mark_invalid(w, False)
        url, code, ca = self.server_edit.text().strip(), self.code_edit.text().strip(), self.ca_edit.text().strip()
        self.connect_btn.setEnabled(False)
        self.connect_btn.setText("Connecting…")
        # the core checks everything (domain.enrolment), every problem at once, before any network
        self.enroller(url, code, ca or None, self.force_box.isChecked(), self._enrolled, self._enrol_failed)

    def _enrolled(self, result: Any) -> None:
        self.connect_btn.setEnabled(True)
        self.connect_btn.setText("Co&nnect")
        self.code_edit.clear()
        self.force_box.setChecked(False)
        setup = ("the trust's ward setup comes down at the next sync" if result.ward_has_setup
                 else "this station's ward setup becomes the trust's at the next sync")
        self.state.setText(f"✓ Connected for ward {result.ward_code}: {setup}.")
        self.enrolled.emit(result.ward_code)
        self.refresh()

    def _enrol_failed(self, e: BaseException) -> None:
        self.connect_btn.setEnabled(True)
        self.connect_btn.setText("Co&nnect")
        if isinstance(e, ValidationError):
            first: QWidget | None = None
            rest = []
            for key, msg in e.errors.items():
                if key in self._field_errors():
                    lab, w = self._field_errors()[key]
                    show_error(lab, msg)
                    mark_invalid(w, True)
                    first = first or w
                else:
                    rest.append(msg)
            if rest:
                show_error(self.connect_error, "Not connected: " + " ".join(rest))
            if first is not None:
                first.setFocus()
        elif hasattr(e, "message"):
            show_error(self.connect_error, f"Not connected: {e.message}")
        else:
            show_error(self.connect_error, "Not connected: something went wrong; details are in the ward station's log.")

    # --- the station's ward ------------------------------------------------------------------------------

    def set_ward(self) -> None:
        code = self.ward_box.currentData()
        if code is None:
            show_error(self.ward_error, "Choose a ward from the list")
            return
        show_error(self.ward_error, None)

        def op(tx: WriteTx) -> str:
            from hardtruths_desktop.store.station import set_station_ward

            return set_station_ward(tx, str(code))

        def done(c: str) -> None:
            self.station_ward_set.emit(c)
            show_error(self.ward_error, None)
            self.state.setFocus()

        def failed(e: BaseException) -> None:
            show_error(self.ward_error, " ".join(e.errors.values()) if isinstance(e, ValidationError) else str(e))

        self.ctx.write(op, done, failed)


__all__ = ["TrustServerPage"]
