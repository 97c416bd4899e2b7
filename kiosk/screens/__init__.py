"""The kiosk's screens: the queue, and the modal that asks why an order is cancelled."""
