import DropFolder
import DropbridgeCore

// The folder code takes `FolderSettings`; these read them from the whole configuration for the
// services and commands that hold one.

extension FolderLayout {
    public static func prepare(_ config: BridgeConfig) throws {
        try prepare(config.folderSettings)
    }
}

extension DurableFiles {
    public init(config: BridgeConfig) {
        self.init(settings: config.folderSettings)
    }
}

extension ClaimArea {
    public init(config: BridgeConfig) {
        self.init(settings: config.folderSettings)
    }
}
