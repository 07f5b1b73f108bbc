import ArgumentParser

/// `--config FILE`, shared by every command that works on a configured root.
struct ConfigOption: ParsableArguments {
    @Option(help: "Configuration file (YAML or JSON).")
    var config: String
}
