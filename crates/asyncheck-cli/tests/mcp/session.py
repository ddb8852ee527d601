"""An MCP session with `asyncheck mcp` through the official Python SDK.

Usage: session.py ASYNCHECK ROOT. ROOT holds src/lib.rs and src/bad.rs (see
tests/mcp.rs). Prints `ok` and exits 0 when every step gives what cli.md's
"MCP server" section promises; exits 77 when the SDK is not installed.
"""

import asyncio
import sys

try:
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client
except ImportError as error:
    print(f"skipped: the Python MCP SDK is not installed ({error}); pip install mcp")
    sys.exit(77)

BLOCKING = """async fn handler() {
    let x = 1;
    std::thread::sleep(std::time::Duration::from_millis(x));
}
"""


def wire(model):
    """A result as it was on the wire (camelCase), whatever the SDK's names."""
    return model.model_dump(by_alias=True, mode="json", exclude_none=True)


def text_of(result):
    return "\n".join(c.get("text", "") for c in result.get("content", []))


async def session(binary, root):
    server = StdioServerParameters(command=binary, args=["mcp", "--root", root], cwd=root)
    async with stdio_client(server) as (read, write):
        async with ClientSession(read, write) as client:
            info = wire(await client.initialize())
            assert info["serverInfo"]["name"] == "asyncheck", info

            tools = wire(await client.list_tools())["tools"]
            names = sorted(t["name"] for t in tools)
            assert names == ["check", "explain", "fix", "patterns"], names

            # A snippet: the finding on the line of the sleep.
            # blocking-in-async is in the `patterns` group, off by default.
            arguments = {"code": BLOCKING, "filename": "src/handler.rs", "select": ["blocking-in-async"]}
            result = wire(await client.call_tool("check", arguments))
            assert not result.get("isError"), result
            found = result["structuredContent"]["diagnostics"]
            blocking = [d for d in found if d["rule"] == "blocking-in-async"]
            assert len(blocking) == 1, found
            assert blocking[0]["start"]["line"] == 3, blocking
            assert blocking[0]["path"] == "src/handler.rs", blocking
            assert blocking[0]["group"] == "patterns", blocking
            assert "blocking-in-async" in text_of(result), result

            # A folder under the root.
            result = wire(await client.call_tool("check", {"paths": ["src"], "select": ["all"]}))
            assert not result.get("isError"), result
            found = result["structuredContent"]["diagnostics"]
            assert {d["path"] for d in found} == {"src/bad.rs"}, found
            assert result["structuredContent"]["summary"]["files"] == 2, result

            # A snippet that does not parse: its parse-error finding.
            result = wire(await client.call_tool("check", {"code": "fn (", "filename": "x.rs"}))
            assert [d["rule"] for d in result["structuredContent"]["diagnostics"]] == ["parse-error"], result

            # Fixes as a diff, nothing written.
            before = open(f"{root}/src/bad.rs").read()
            result = wire(await client.call_tool("fix", {"paths": ["src/bad.rs"]}))
            assert not result.get("isError"), result
            assert open(f"{root}/src/bad.rs").read() == before

            # For code, the fixed text too.
            arguments["code"] = "use std::time::Duration;\n\nasync fn tick() {\n    std::thread::sleep(Duration::from_millis(5));\n}\n"
            result = wire(await client.call_tool("fix", arguments))
            assert "+    tokio::time::sleep(Duration::from_millis(5)).await;" in text_of(result), result
            assert "tokio::time::sleep(Duration::from_millis(5)).await;" in result["structuredContent"]["fixed"], result

            # Bad input: tool errors with clear messages.
            result = wire(await client.call_tool("explain", {"name": "blocking-in-asyn"}))
            assert result.get("isError"), result
            assert "did you mean `blocking-in-async`" in text_of(result), result
            result = wire(await client.call_tool("check", {"paths": ["../"]}))
            assert result.get("isError") and "outside the server's root" in text_of(result), result
            result = wire(await client.call_tool("check", {"paths": "src"}))
            assert result.get("isError") and "`paths` must be an array of strings" in text_of(result), result
            result = wire(await client.call_tool("check", {"code": "x" * 5_000_000, "filename": "big.rs"}))
            assert result.get("isError") and "over the limit" in text_of(result), result
            try:
                await client.call_tool("lint", {})
                raise AssertionError("an unknown tool was accepted")
            except AssertionError:
                raise
            except Exception as error:
                assert "unknown tool `lint`" in str(error), error

            result = wire(await client.call_tool("explain", {"name": "blocking-in-async"}))
            assert "# blocking-in-async" in text_of(result) or "blocking-in-async" in text_of(result), result

            result = wire(await client.call_tool("patterns", {"tag": "shutdown"}))
            names = sorted(p["name"] for p in result["structuredContent"]["patterns"])
            assert names == ["cancellation", "structured-concurrency"], names

            page = wire(await client.read_resource("asyncheck://rules/blocking-in-async"))
            assert "blocking-in-async" in page["contents"][0]["text"], page
            page = wire(await client.read_resource("asyncheck://patterns/cancellation"))
            assert "Rules that enforce it" in page["contents"][0]["text"], page
            resources = wire(await client.list_resources())["resources"]
            assert any(r["uri"] == "asyncheck://patterns/blocking" for r in resources), resources
    print("ok")


asyncio.run(session(sys.argv[1], sys.argv[2]))
