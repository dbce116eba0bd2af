"""Gradio's MCP server: the app's API as MCP tools, listed and called with the `mcp` client
over streamable HTTP on 127.0.0.1, behind the app's password (HTTP basic auth)."""

from __future__ import annotations

import ast
import asyncio
import base64
import urllib.error
import urllib.request

import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamablehttp_client

from served import serve

USER, PASSWORD = "reviewer", "s3cret"
QUESTION = "How did forces handle reactive management of registered sex offenders?"


def _basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.fixture(scope="module")
def mcp_url(bundled, tmp_path_factory):
    with serve(bundled, tmp_path_factory.mktemp("mcp"), mcp_server=True, username=USER, password=PASSWORD) as served:
        yield f"{served.url}gradio_api/mcp/"


def _session(url: str, calls: list[tuple[str, dict]]):
    """List the tools and make the calls in one MCP session; results parsed back to Python
    values (Gradio sends a tool's return value as its text)."""

    async def run():
        async with streamablehttp_client(url, headers=_basic(USER, PASSWORD)) as (read, write, _):
            async with ClientSession(read, write) as session:
                await session.initialize()
                tools = (await session.list_tools()).tools
                results = []
                for name, arguments in calls:
                    result = await session.call_tool(name, arguments)
                    assert not result.isError, result.content
                    results.append(ast.literal_eval(result.content[0].text))
                return {t.name: t for t in tools}, results

    return asyncio.run(run())


def test_tools_are_listed_with_typed_documented_parameters_and_called(mcp_url, bundled):
    tools, (passages, answer, follow_up, cases, comparison, recs) = _session(mcp_url, [
        ("search", {"question": "missing children", "k": 2}),
        ("ask", {"question": QUESTION}),
        ("ask", {"question": "and what about Cheshire?", "history": [QUESTION]}),
        ("case_studies", {"topic": "child sexual exploitation", "k": 5}),
        ("compare", {"theme": "appropriate adults for children in custody", "forces": ["Cheshire", "Merseyside"]}),
        ("recommendations", {"forces": ["Staffordshire"]}),
    ])
    expected = {"search", "ask", "case_studies", "compare", "recommendations"}
    assert set(tools) == expected  # the API only: no page event leaks out as a tool
    for tool in tools.values():
        assert len(tool.description) > 40
        props = tool.inputSchema["properties"]
        assert all(p.get("description") and ("type" in p or "oneOf" in p or "anyOf" in p) for p in props.values())
    ask = tools["ask"].inputSchema
    assert ask["required"] == ["question"] and ask["properties"]["question"]["type"] == "string"
    assert "earlier questions" in ask["properties"]["history"]["description"]
    assert tools["search"].inputSchema["properties"]["k"]["type"] == "integer"

    assert len(passages) == 2 and all(p["force"] and p["text"] for p in passages)
    assert not answer["abstained"] and len({c["force"] for c in answer["citations"]}) >= 2
    assert "Cheshire" in follow_up["resolved_question"] and "reactive management" in follow_up["resolved_question"]
    assert {c["force"] for c in follow_up["citations"]} == {"Cheshire"}
    assert cases and all("child sexual exploitation" in c["themes"] and c["matched"] for c in cases)
    assert [r["force"] for r in comparison["rows"]] == ["Cheshire", "Merseyside"]
    assert all(r["coverage"][0]["inspected"] for r in comparison["rows"])
    assert recs == [r.to_dict() for r in bundled.recommendations(["Staffordshire"])] and recs


@pytest.mark.parametrize("headers", [{}, _basic(USER, "wrong")])
def test_mcp_needs_the_apps_credentials(mcp_url, headers):
    request = urllib.request.Request(
        mcp_url, method="POST", headers={"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
                                         **headers},
        data=b'{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}')
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 401
