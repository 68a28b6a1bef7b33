extension ModelDeclaration {
    /// A pull or merge request in a code host (GitHub, GitLab, Bitbucket).
    /// Version: `updated_at`, which every code host bumps on each change.
    public static let pullRequest = ModelDeclaration(
        name: try! ModelName("PullRequest"),
        fields: [
            ModelField("id", .string, required: true,
                       summary: "The code host's id of the pull request, as a string (GitHub `pull_request.id`)."),
            ModelField("number", .int, required: true,
                       summary: "The number shown in the repository (GitHub `number`, GitLab `iid`)."),
            ModelField("repository", .string, required: true,
                       summary: "The repository's full name, `owner/name` (GitLab: `path_with_namespace`)."),
            ModelField("title", .string, required: true),
            ModelField("state", .string, required: true, summary: "`open`, `closed` or `merged`."),
            ModelField("draft", .bool),
            ModelField("merged", .bool),
            ModelField("author", .string, summary: "The author's login on the code host."),
            ModelField("head_ref", .string, summary: "The branch with the changes."),
            ModelField("base_ref", .string, summary: "The branch the changes go into."),
            ModelField("labels", .stringList, summary: "Label names."),
            ModelField("url", .string, summary: "The pull request's page for people."),
            ModelField("additions", .int, summary: "Lines added."),
            ModelField("deletions", .int, summary: "Lines removed."),
            ModelField("created_at", .timestamp, required: true),
            ModelField("updated_at", .timestamp, required: true,
                       summary: "The version: when the code host last changed the pull request (GitHub `pull_request.updated_at`)."),
            ModelField("closed_at", .timestamp),
            ModelField("merged_at", .timestamp),
        ],
        upsertKey: ["id"],
        versionField: "updated_at",
        lookupKeys: ["repository", "author"],
        summary: """
            A pull or merge request in a code host. Fed by GitHub `pull_request`; GitLab merge request and \
            Bitbucket pull request events fit the same fields. Version: `updated_at`, which every code host bumps \
            on each change.
            """)
}
