"""The kiosk's widgets: header bar, order columns and cards, QR panel."""
