"""Suite-wide ordering: the browser tests run last.

Playwright's sync API keeps an asyncio loop running in the main thread while its session
fixtures live. Code under test that asks ``asyncio.get_running_loop()`` (the explorer's
render throttle) would see that loop and defer its renders, so every non-browser test runs
before the first browser test starts Playwright.
"""


def pytest_collection_modifyitems(session, config, items):
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)  # stable sort
