import Foundation
import PackagePlugin

/// Build-tool plugin: embeds every `rules/*.yaml` file and the hook scripts in `hooks/`
/// into the `KeyLeak` module as Swift source (`EmbeddedRules.files`), so the
/// binary needs no source tree at run time while those files stay the one source.
@main
struct EmbedRules: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let rulesDir = context.package.directoryURL.appending(path: "rules")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: rulesDir.path)) ?? []
        let hooks = ["pre-commit", "pre-push", "pre-receive"].map { context.package.directoryURL.appending(path: "hooks/" + $0) }
        let inputs = names.filter { $0.hasSuffix(".yaml") }.sorted().map { rulesDir.appending(path: $0) } + hooks
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedRules.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(inputs.count) rule files",
                executable: try context.tool(named: "RulesEmbedder").url,
                arguments: [output.path] + inputs.map(\.path),
                inputFiles: inputs,
                outputFiles: [output]
            ),
        ]
    }
}
