extension ModelDeclaration {
    /// One commit that a push brought to a branch or tag: one record per commit listed in the push delivery.
    ///
    /// Providers: GitHub `push` (`commits[]`), GitLab `Push Hook` and `Tag Push Hook` (`commits[]`), Bitbucket
    /// `repo:push` (`push.changes[].commits[]`). Providers cap the commits one delivery lists; commits beyond the cap
    /// produce no record. A push that deletes a ref lists no commits and produces none.
    ///
    /// Key: repository, ref and sha — the same commit pushed to two branches is two records, because "commit X
    /// reached `main`" and "commit X reached `feature`" are different facts.
    ///
    /// Version: `pushed_at`. A commit's content never changes; the version only decides between two pushes of the same
    /// commit to the same ref (after a reset or force push), where the later push wins.
    public static let codePush = ModelDeclaration(
        name: try! ModelName("CodePush"),
        fields: [
            ModelField("repository", .string, required: true, summary: """
                The repository's full name: GitHub `repository.full_name`, GitLab `project.path_with_namespace`, \
                Bitbucket `repository.full_name`.
                """),
            ModelField("ref", .string, required: true, summary: """
                The full ref pushed to, `refs/heads/<branch>` or `refs/tags/<tag>`: GitHub and GitLab `ref`; \
                Bitbucket `refs/heads/` or `refs/tags/` + `changes[].new.name` by `changes[].new.type`.
                """),
            ModelField("sha", .string, required: true, summary: """
                The commit's full 40-character hash: GitHub `commits[].id`, GitLab `commits[].id`, Bitbucket \
                `commits[].hash`.
                """),
            ModelField("message", .string, summary: "The full commit message."),
            ModelField("author_name", .string, summary: """
                The commit author's name (GitHub and GitLab `commits[].author.name`; Bitbucket: the name part of \
                `commits[].author.raw`, `Name <email>`).
                """),
            ModelField("author_email", .string, summary: """
                The commit author's e-mail (GitHub and GitLab `commits[].author.email`; Bitbucket: the part of \
                `commits[].author.raw` in angle brackets).
                """),
            ModelField("author_login", .string, summary: """
                The author's account on the code host when the provider resolved it: GitHub \
                `commits[].author.username`, Bitbucket `commits[].author.user.nickname`.
                """),
            ModelField("committed_at", .timestamp, summary: """
                The commit's own timestamp: GitHub and GitLab `commits[].timestamp`, Bitbucket `commits[].date`.
                """),
            ModelField("url", .string, summary: "The commit's page for people (`commits[].url`; Bitbucket `links.html.href`)."),
            ModelField("pusher", .string, summary: """
                Who pushed: GitHub `pusher.name`, GitLab `user_username`, Bitbucket `actor.nickname`.
                """),
            ModelField("pushed_at", .timestamp, required: true, summary: """
                The version: when the push happened. GitHub `repository.pushed_at` (Unix seconds); GitLab and \
                Bitbucket send no push time, so their mappings use the envelope's `time`.
                """),
            ModelField("push_id", .string, summary: """
                Shared by every commit of one push, to find them together: the delivery id (`envelope.id`), since \
                none of the providers sends a push id.
                """),
            ModelField("before_sha", .string, summary: """
                The ref's head before the push (GitHub and GitLab `before`, Bitbucket `changes[].old.target.hash`); \
                forty zeros or null when the push created the ref.
                """),
            ModelField("after_sha", .string, summary: """
                The ref's head after the push (GitHub and GitLab `after`, Bitbucket `changes[].new.target.hash`).
                """),
            ModelField("forced", .bool, summary: "Whether the push was a force push (GitHub `forced`, Bitbucket `changes[].forced`)."),
            ModelField("new_to_repository", .bool, summary: """
                Whether the push brought the commit into the repository for the first time, rather than onto one \
                more ref (GitHub `commits[].distinct`).
                """),
            ModelField("files_added", .stringList, summary: "Paths the commit added (GitHub and GitLab `commits[].added`)."),
            ModelField("files_modified", .stringList, summary: "Paths the commit modified (`commits[].modified`)."),
            ModelField("files_removed", .stringList, summary: "Paths the commit removed (`commits[].removed`)."),
        ],
        upsertKey: ["repository", "ref", "sha"],
        versionField: "pushed_at",
        lookupKeys: ["sha", "push_id", "author_email"],
        summary: """
            One commit a push brought to a branch or tag, one record per commit. Fed by GitHub `push`, GitLab push \
            and tag push events, and Bitbucket `repo:push`. Key: repository, ref, sha. Version: `pushed_at` (the \
            later push of the same commit to the same ref wins).
            """)
}
