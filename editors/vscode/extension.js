// Starts `obsw lsp` for .obsw files: diagnostics as `obsw check` reports them, completion,
// hover, definition, references, symbols and formatting (`obsw fmt`).
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const settings = vscode.workspace.getConfiguration("obsw");
  const command = settings.get("path") || "obsw";
  client = new LanguageClient(
    "obsw",
    "obsw",
    { command, args: ["lsp"] },
    {
      documentSelector: [{ scheme: "file", language: "obsw" }, { scheme: "untitled", language: "obsw" }],
      initializationOptions: { obsw: { profile: settings.get("profile") || undefined, local: settings.get("local") === true } },
    }
  );
  client.start();
  context.subscriptions.push({ dispose: () => client && client.stop() });
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
