extension ModelDeclaration {
    /// An issue or ticket in a tracker.
    ///
    /// Providers: GitHub `issues`, GitLab `Issue Hook`, Linear `Issue` webhooks, Jira `jira:issue_created|updated|deleted`.
    ///
    /// Version: `updated_at`, the item's own last-change time, which all four providers bump on every change
    /// (GitHub `issue.updated_at`, GitLab `object_attributes.updated_at`, Linear `data.updatedAt`, Jira
    /// `issue.fields.updated`). A deletion carries the time of the deletion event when the provider sends one
    /// (Jira `timestamp`, Linear the payload's top-level `createdAt`), else the item's `updated_at`.
    public static let workItem = ModelDeclaration(
        name: try! ModelName("WorkItem"),
        fields: [
            ModelField("id", .string, required: true, summary: """
                The provider's stable id of the item, as a string: GitHub `issue.id`, GitLab \
                `object_attributes.id`, Linear `data.id`, Jira `issue.id`.
                """),
            ModelField("key", .string, required: true, summary: """
                The reference people use, unique within the integration: GitHub `<repository.full_name>#<number>`, \
                GitLab `<project.path_with_namespace>#<iid>`, Linear `data.identifier` (`ENG-42`), Jira \
                `issue.key` (`PROJ-7`).
                """),
            ModelField("number", .int, summary: """
                The item's number within its project: GitHub `issue.number`, GitLab `object_attributes.iid`, \
                Linear `data.number`; Jira: the digits after the dash in `issue.key`.
                """),
            ModelField("project", .string, required: true, summary: """
                Where the item lives: GitHub `repository.full_name`, GitLab `project.path_with_namespace`, Linear \
                team key `data.team.key`, Jira `issue.fields.project.key`.
                """),
            ModelField("title", .string, required: true, summary: "The title (Jira `fields.summary`)."),
            ModelField("description", .string, summary: """
                The body as the provider sends it: Markdown (GitHub `issue.body`, GitLab, Linear), Jira wiki markup \
                (`fields.description`).
                """),
            ModelField("state", .string, required: true, summary: """
                `open` or `closed`, the same two values for every provider: GitHub `issue.state`; GitLab `state` \
                (`opened` → `open`); Linear `data.state.type` `completed` or `canceled` → `closed`, others `open`; \
                Jira `fields.status.statusCategory.key` `done` → `closed`, others `open`.
                """),
            ModelField("status", .string, summary: """
                The provider's own workflow status, unnormalised: Linear `data.state.name`, Jira \
                `fields.status.name`, GitHub `issue.state_reason` (`completed`, `not_planned`, `reopened`).
                """),
            ModelField("kind", .string, summary: """
                The item type: Jira `fields.issuetype.name` (`Bug`, `Story`), GitHub `issue.type.name` when the \
                repository uses issue types; `issue` otherwise.
                """),
            ModelField("priority", .string, summary: """
                The priority's name: Linear `data.priorityLabel`, Jira `fields.priority.name`.
                """),
            ModelField("author", .string, summary: """
                Who created the item, as the provider names people: GitHub `issue.user.login`, GitLab \
                `user.username` on `open`, Linear `data.creatorId`, Jira `fields.reporter.accountId`.
                """),
            ModelField("assignees", .stringList, summary: """
                Assignees, named like `author`: GitHub `issue.assignees[].login`, GitLab `assignees[].username`, \
                Linear `[data.assigneeId]`, Jira `[fields.assignee.accountId]`.
                """),
            ModelField("labels", .stringList, summary: """
                Label names: GitHub `issue.labels[].name`, GitLab `labels[].title`, Linear `data.labels[].name`, \
                Jira `fields.labels`.
                """),
            ModelField("milestone", .string, summary: """
                The milestone, cycle or version the item is planned for: GitHub `issue.milestone.title`, GitLab \
                `object_attributes.milestone_id` as text, Linear the cycle's name (`data.cycle.name`) when the payload \
                carries it, Jira `fields.fixVersions[0].name`.
                """),
            ModelField("parent_id", .string, summary: """
                The `id` of the parent item (epic, parent issue), so children can be found: Linear \
                `data.parentId`, Jira `fields.parent.id`; null for GitHub and GitLab, whose issue payloads do not \
                carry the parent.
                """),
            ModelField("url", .string, summary: """
                The item's page for people: GitHub `issue.html_url`, GitLab `object_attributes.url`, Linear \
                `data.url`, Jira `<site>/browse/<key>`.
                """),
            ModelField("due_at", .timestamp, summary: """
                The due date; date-only values (Linear `dueDate`, Jira `duedate`, GitLab `due_date`) map to \
                midnight UTC.
                """),
            ModelField("created_at", .timestamp, required: true),
            ModelField("updated_at", .timestamp, required: true, summary: """
                The version: when the item last changed (GitHub `issue.updated_at`, GitLab \
                `object_attributes.updated_at`, Linear `data.updatedAt`, Jira `fields.updated`).
                """),
            ModelField("closed_at", .timestamp, summary: """
                When the item was closed: GitHub `issue.closed_at`, GitLab `closed_at`, Linear `data.completedAt` \
                or `data.canceledAt`, Jira `fields.resolutiondate`; null while open.
                """),
            ModelField("extra", .json, summary: """
                Provider-specific values with no field of their own (Jira custom fields, Linear `estimate`), as a \
                JSON object. Keep it small: it is stored and delivered with every version.
                """),
        ],
        upsertKey: ["id"],
        versionField: "updated_at",
        lookupKeys: ["key", "project", "parent_id", "author"],
        summary: """
            An issue or ticket in a tracker. Fed by GitHub `issues`, GitLab issue events, Linear issue webhooks and \
            Jira issue events. Version: `updated_at`, which each of them bumps on every change.
            """)
}
