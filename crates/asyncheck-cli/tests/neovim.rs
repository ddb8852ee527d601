//! The README's Neovim set-up, run by the real Neovim: the snippet for the
//! installed version, taken from README.md as written (only `asyncheck` is
//! replaced by the binary under test), starts `asyncheck server` on a Rust
//! file, and the finding shows up in `vim.diagnostic.get()`.
//!
//! Skipped, with a message saying so, where no `nvim` is on `PATH`
//! (Debian and Ubuntu: `apt-get install neovim`).

use std::fs::File;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;

const SOURCE: &str = "pub async fn load() -> u32 {
    futures::executor::block_on(async { 1 })
}
";

/// Polls for diagnostics, then writes them to the file named by
/// `ASYNCHECK_PROBE_OUT` (one per line: source, code, line, message) and
/// quits; on timeout it writes the running clients instead and exits 1.
const PROBE: &str = r#"
local out = os.getenv('ASYNCHECK_PROBE_OUT')
local deadline = vim.loop.now() + 15000
local timer = vim.loop.new_timer()
local function write(lines)
  local f = assert(io.open(out, 'w'))
  f:write(table.concat(lines, '\n'), '\n')
  f:close()
end
timer:start(50, 50, vim.schedule_wrap(function()
  local diagnostics = vim.diagnostic.get(0)
  if #diagnostics > 0 then
    timer:stop()
    local lines = {}
    for _, d in ipairs(diagnostics) do
      local lsp = d.user_data and d.user_data.lsp or {}
      local code = d.code or lsp.code
      lines[#lines + 1] = string.format('%s\t%s\t%d\t%s', tostring(d.source), tostring(code),
        d.lnum + 1, (d.message:gsub('\n', ' ')))
    end
    write(lines)
    vim.cmd('qall!')
  elseif vim.loop.now() > deadline then
    timer:stop()
    local lines = { 'TIMEOUT: no diagnostics; filetype=' .. vim.bo.filetype }
    for _, client in pairs((vim.lsp.get_clients or vim.lsp.get_active_clients)()) do
      lines[#lines + 1] = 'client: ' .. client.name
    end
    write(lines)
    vim.cmd('cquit 1')
  end
end))
"#;

/// `(major, minor)` from `nvim --version`, or `None` when no `nvim` runs.
fn nvim_version() -> Option<(u32, u32)> {
    let output = Command::new("nvim")
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let version = text.lines().next()?.strip_prefix("NVIM v")?;
    let mut parts = version.split(['.', '-']);
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

/// The first ```lua block after the README line starting with `heading`.
fn readme_snippet(heading: &str) -> String {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    let after = readme
        .lines()
        .skip_while(|line| !line.starts_with(heading))
        .skip_while(|line| *line != "```lua")
        .skip(1);
    let lines: Vec<&str> = after.take_while(|line| *line != "```").collect();
    assert!(
        !lines.is_empty(),
        "README.md has no ```lua block after a line starting with {heading:?}"
    );
    lines.join("\n") + "\n"
}

fn lua_string(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

#[test]
fn the_readme_neovim_setup_shows_findings() {
    let Some(version) = nvim_version() else {
        println!("SKIPPED: no `nvim` on PATH (install Neovim, e.g. `apt-get install neovim`) to check the README's Neovim set-up");
        return;
    };
    let heading = match version {
        (0, 11..) | (1.., _) => "**Neovim** (0.11 or later)",
        (0, 8..=10) => "**Neovim** 0.8 to 0.10",
        (0, 7) => "**Neovim** 0.7",
        (major, minor) => {
            println!(
                "SKIPPED: Neovim {major}.{minor} is older than any set-up in the README (0.7)"
            );
            return;
        }
    };
    let snippet = readme_snippet(heading);
    let command = "{ 'asyncheck', 'server' }";
    assert_eq!(
        snippet.matches(command).count(),
        1,
        "the README snippet after {heading:?} should run {command}:\n{snippet}"
    );
    let binary = assert_cmd::cargo::cargo_bin("asyncheck");
    let init = snippet.replace(
        command,
        &format!("{{ {}, 'server' }}", lua_string(&binary.to_string_lossy())),
    );

    let project = common::project(&[
        (
            "Cargo.toml",
            "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nfutures = \"0.3\"\n",
        ),
        ("src/lib.rs", SOURCE),
    ]);
    // Neovim's own files (config, shada, lsp.log) stay out of the user's home.
    let home = tempfile::tempdir().unwrap();
    let nvim_dir = home.path();
    common::write(nvim_dir, "init.lua", &init);
    common::write(nvim_dir, "probe.lua", PROBE);
    let out = nvim_dir.join("diagnostics.txt");
    let stderr_path = nvim_dir.join("stderr.txt");

    let mut child = Command::new("nvim")
        .arg("--headless")
        .arg("-u")
        .arg(nvim_dir.join("init.lua"))
        .arg("-c")
        .arg(format!("luafile {}", nvim_dir.join("probe.lua").display()))
        .arg("src/lib.rs")
        .current_dir(project.path())
        .env("ASYNCHECK_PROBE_OUT", &out)
        .env("XDG_CONFIG_HOME", nvim_dir.join("config"))
        .env("XDG_DATA_HOME", nvim_dir.join("data"))
        .env("XDG_STATE_HOME", nvim_dir.join("state"))
        .env("XDG_CACHE_HOME", nvim_dir.join("cache"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(File::create(&stderr_path).unwrap())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let report = std::fs::read_to_string(&out).unwrap_or_default();
    let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
    let context = format!(
        "Neovim {}.{}, set-up {heading:?}, exit {status:?}\ninit.lua:\n{init}\ndiagnostics:\n{report}\nstderr:\n{stderr}",
        version.0, version.1
    );
    assert!(
        status.is_some_and(|s| s.success()),
        "nvim failed or timed out\n{context}"
    );
    let finding = report.lines().find(|line| {
        let fields: Vec<&str> = line.split('\t').collect();
        fields.get(..3) == Some(&["asyncheck", "block-on-in-async", "2"][..])
    });
    assert!(
        finding.is_some(),
        "no block-on-in-async finding from asyncheck on line 2\n{context}"
    );
}
