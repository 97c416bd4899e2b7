"""The menu, one key (`d`) from the queue: switch a drink in or out of stock.

The switch is the core's (`bar.menu.set_in_stock`, as `bar menu disable` and the
barista tablet do): its `MENU_CHANGED` event reaches every guest's menu at once.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.binding import Binding

from bar import menu
from kiosk.screens.listing import ListScreen, Row

IN_STOCK = Text("● in stock", style="green")
OUT_OF_STOCK = Text("○ out of stock", style="bold red")


class DrinksScreen(ListScreen):
    """Every drink on the menu and whether guests can order it."""

    heading = "Drinks"
    columns = ("Drink", "Category", "Stock", "Options")
    hint = "enter or space switches the drink in or out of stock: guests' menus follow at once"
    BINDINGS = [
        Binding("space", "choose", "In/out of stock", key_display="⏎/space"),
        Binding("d", "app.pop_screen", "Queue", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._in_stock: dict[str, bool] = {}  # as on screen: what a switch turns around

    def read(self) -> Iterable[Row]:
        drinks = menu.list_drinks()
        self._in_stock = {drink.id: drink.is_active for drink in drinks}
        for drink in drinks:
            options = " · ".join(f"{name}: {'/'.join(values)}"
                                 for name, values in drink.modifiers.items())
            yield drink.id, (
                Text(drink.name, style="bold" if drink.is_active else "dim"),
                Text(drink.category), IN_STOCK if drink.is_active else OUT_OF_STOCK,
                Text(options, style="dim"),
            )

    def action_choose(self) -> None:
        """Switch the selected drink: in stock ↔ out of stock."""
        drink_id = self.selected_or_say("drink")
        if drink_id is None:
            return
        in_stock = not self._in_stock[drink_id]
        changed = self.attempt(lambda: menu.set_in_stock(drink_id, in_stock, now=self.kiosk.clock()))
        if changed is not None:
            state = "back in stock" if changed.is_active else "out of stock"
            self.notify(f"{changed.name} is {state}: guests see it now", markup=False)
            self.load()
