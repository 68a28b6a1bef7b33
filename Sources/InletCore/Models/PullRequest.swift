extension ModelDeclaration {
    /// A pull or merge request in a code host (GitHub, GitLab, Bitbucket).
    /// Version: `updated_at`, which every code host bumps on each change.
    public static let pullRequest = ModelDeclaration(
        name: try! ModelName("PullRequest"),
        fields: [
            ModelField("id", .string, required: true),
            ModelField("number", .int, required: true),
            ModelField("repository", .string, required: true),
            ModelField("title", .string, required: true),
            ModelField("state", .string, required: true),
            ModelField("draft", .bool),
            ModelField("merged", .bool),
            ModelField("author", .string),
            ModelField("head_ref", .string),
            ModelField("base_ref", .string),
            ModelField("labels", .stringList),
            ModelField("url", .string),
            ModelField("additions", .int),
            ModelField("deletions", .int),
            ModelField("created_at", .timestamp, required: true),
            ModelField("updated_at", .timestamp, required: true),
            ModelField("closed_at", .timestamp),
            ModelField("merged_at", .timestamp),
        ],
        upsertKey: ["id"],
        versionField: "updated_at",
        lookupKeys: ["repository", "author"])
}
