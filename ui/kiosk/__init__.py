"""The patient kiosk (issue 9): the Friends and Family Test, full screen, in the patient's language."""
