"""A client generated from salesdesk's OpenAPI document (openapi-python-client) signs in, creates
a customer, finds it in the list and reads it back (issue 10, point 12). Run by .ci/openapi-client
with the generated package importable as `client` and the server's address as argv[1]."""

import sys
import uuid

from client import AuthenticatedClient, Client
from client.api.customers import get_customers, get_customers_id, post_customers
from client.api.sessions import post_sessions
from client.models.customer_body import CustomerBody
from client.models.customer_dto import CustomerDto
from client.models.login_request import LoginRequest
from client.models.page_of_customer_dto import PageOfCustomerDto
from client.models.problem import Problem
from client.models.session_created import SessionCreated

base = sys.argv[1].rstrip("/") + "/api/v1"


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)


anon = Client(base_url=base, raise_on_unexpected_status=True)
bad = post_sessions.sync(client=anon, body=LoginRequest(login="vp", password="wrong password"))
check(isinstance(bad, Problem) and bad.status == 401, f"a wrong password is a 401 problem: {bad!r}")

session = post_sessions.sync(client=anon, body=LoginRequest(login="vp", password="salesdesk-demo"))
check(isinstance(session, SessionCreated), f"login answers a session: {session!r}")
api = AuthenticatedClient(base_url=base, token=session.token, raise_on_unexpected_status=True)

name = f"客户端测试科技{uuid.uuid4().hex[:8]}有限公司"
made = post_customers.sync(client=api, body=CustomerBody(name=name, phone="021-62345678"))
check(isinstance(made, CustomerDto), f"create answers the customer: {made!r}")
check(made.name == name and made.id > 0, f"the created customer is the one sent: {made!r}")

again = post_customers.sync(client=api, body=CustomerBody(name=name))
check(isinstance(again, Problem) and again.status == 409, f"a duplicate is a 409 problem: {again!r}")

page = get_customers.sync(client=api, q=name[:8], per_page=20)
check(isinstance(page, PageOfCustomerDto), f"list answers a page: {page!r}")
check(any(c.id == made.id for c in page.items), f"the list finds the new customer: {page!r}")

one = get_customers_id.sync(client=api, id=made.id)
check(isinstance(one, CustomerDto) and one.name == name, f"read answers the customer: {one!r}")
print(f"round trip through the generated client: customer {made.id} created, listed and read")
