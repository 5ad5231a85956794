"""Loan products (journey 2): the 闪电贷 family and the counter products from the host
(``GET /v1/products``), each with who it is for, amount range, terms, annual rate, repayment
methods and what to bring. Kept in the state directory so that, with the host offline, the
last list is shown with its date (以下为某月某日的信息). No card, no identification."""

from screens.journeys import JourneySpec, register

SPEC = register(JourneySpec(
    name="products",
    title="home.service.products",
    group="calculate",
    order=20,
    presenter="screens.journeys.products.presenter:ProductsPresenter",
    views="screens.journeys.products.screens:ProductsViews",
    samples="screens.journeys.products.screens:sample_screens",
))
