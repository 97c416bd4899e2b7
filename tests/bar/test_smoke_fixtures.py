from bar import orders


def test_factory_places_an_order(make):
    order = make.order(drink_id="flat-white", modifiers={"milk": "oat"})
    assert order.number == 1
    assert order.status == orders.PENDING
    assert order.modifiers == {"milk": "oat", "size": "regular"}
