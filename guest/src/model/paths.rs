//! Parsing of the project and run paths users and agents type.

use crate::error::{AgentError, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectPath {
    pub entity: String,
    pub project: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunPath {
    pub entity: String,
    pub project: String,
    pub run_id: String,
}

impl std::fmt::Display for ProjectPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.entity, self.project)
    }
}

impl RunPath {
    pub fn project_path(&self) -> ProjectPath {
        ProjectPath {
            entity: self.entity.clone(),
            project: self.project.clone(),
        }
    }
}

impl std::fmt::Display for RunPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.entity, self.project, self.run_id)
    }
}

/// Segments of a path, with a W&B URL's scheme and host removed (`https://wandb.ai/e/p/runs/id`
/// and `wandb.ai/e/p/runs/id` both give `[e, p, runs, id]`); query and fragment are dropped.
fn segments(input: &str) -> Vec<&str> {
    let trimmed = input.trim();
    let without_query = trimmed.split(['?', '#']).next().unwrap_or("");
    let rest = match without_query.split_once("://") {
        Some((_, after_scheme)) => after_scheme.split_once('/').map_or("", |(_, path)| path),
        None if without_query.starts_with("wandb.ai/") => &without_query["wandb.ai/".len()..],
        None => without_query,
    };
    rest.split('/').filter(|s| !s.is_empty()).collect()
}

fn valid_name(segment: &str) -> bool {
    !segment.is_empty()
        && segment
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn check(kind: &str, segment: &str, input: &str) -> Result<String> {
    if valid_name(segment) {
        Ok(segment.to_string())
    } else {
        Err(AgentError::BadInput(format!(
            "invalid {kind} `{segment}` in `{input}`: use letters, digits, `-`, `_` or `.`"
        )))
    }
}

/// `entity/project`, or just `project` when a default entity is known. A directory the host
/// granted (`/local/<i>`, or one run directory in it, `/local/<i>/<name>`) is entity `local`,
/// project `<i>[/<name>]`: what the disk source reads.
pub fn parse_project_path(input: &str, default_entity: Option<&str>) -> Result<ProjectPath> {
    if let Some(granted) = input.trim().strip_prefix("/local/") {
        let parts: Vec<&str> = granted.split('/').filter(|s| !s.is_empty()).collect();
        if matches!(parts.len(), 1 | 2) && parts.iter().all(|p| valid_name(p)) {
            return Ok(ProjectPath {
                entity: "local".into(),
                project: parts.join("/"),
            });
        }
    }
    let parts = segments(input);
    let (entity, project) = match (parts.as_slice(), default_entity) {
        ([entity, project], _) => (*entity, *project),
        ([project], Some(entity)) => (entity, *project),
        _ => {
            return Err(AgentError::BadInput(format!(
                "invalid project path `{input}`: expected ENTITY/PROJECT, e.g. `my-team/my-project`"
            )))
        }
    };
    Ok(ProjectPath {
        entity: check("entity", entity, input)?,
        project: check("project", project, input)?,
    })
}

/// `entity/project/run_id`, `entity/project/runs/run_id`, or a W&B run URL.
pub fn parse_run_path(input: &str) -> Result<RunPath> {
    let parts = segments(input);
    let (entity, project, run_id) = match parts.as_slice() {
        [entity, project, run_id] => (*entity, *project, *run_id),
        [entity, project, "runs", run_id] => (*entity, *project, *run_id),
        // The UI also links to sub-pages such as `.../runs/id/overview` or `/logs`.
        [entity, project, "runs", run_id, _] => (*entity, *project, *run_id),
        _ => {
            return Err(AgentError::BadInput(format!(
                "invalid run path `{input}`: expected ENTITY/PROJECT/RUN_ID, \
                 ENTITY/PROJECT/runs/RUN_ID or a W&B run URL"
            )))
        }
    };
    Ok(RunPath {
        entity: check("entity", entity, input)?,
        project: check("project", project, input)?,
        run_id: check("run id", run_id, input)?,
    })
}

/// `scheme://host[:port]` of a URL (what an allowlist entry names), without path, query or
/// fragment: enough to say where, and a pre-signed URL's signature stays out of messages.
pub fn origin_of(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let end = url[after_scheme..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| after_scheme + i);
    &url[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(e: &str, p: &str, id: &str) -> RunPath {
        RunPath {
            entity: e.into(),
            project: p.into(),
            run_id: id.into(),
        }
    }

    #[test]
    fn run_path_forms() {
        let want = run("ent", "proj", "abcd1234");
        for input in [
            "ent/proj/abcd1234",
            "ent/proj/runs/abcd1234",
            "https://wandb.ai/ent/proj/runs/abcd1234",
            "https://wandb.ai/ent/proj/runs/abcd1234?nw=1",
            "https://wandb.ai/ent/proj/runs/abcd1234/overview",
            "wandb.ai/ent/proj/runs/abcd1234",
            "  ent/proj/abcd1234/ ",
            "http://127.0.0.1:8080/ent/proj/runs/abcd1234",
        ] {
            assert_eq!(parse_run_path(input).unwrap(), want, "{input}");
        }
    }

    #[test]
    fn granted_directories_are_the_disk_source_s_projects() {
        let project = |p: &str| parse_project_path(p, None).unwrap();
        assert_eq!(project("/local/0").to_string(), "local/0");
        assert_eq!(
            project("/local/1/offline-run-20261206_1-abc").to_string(),
            "local/1/offline-run-20261206_1-abc"
        );
        // Without the host's leading slash, `local` is a W&B entity like any other.
        assert_eq!(project("local/0").to_string(), "local/0");
        assert!(parse_project_path("local/0/x", None).is_err());
        assert!(parse_project_path("/local/0/a b", None).is_err());
    }

    #[test]
    fn bad_run_paths_are_bad_input() {
        for input in [
            "",
            "ent",
            "ent/proj",
            "a/b/c/d",
            "ent/pr oj/id",
            "ent/proj/runs/id/x/y",
        ] {
            match parse_run_path(input) {
                Err(AgentError::BadInput(msg)) => {
                    assert!(msg.contains("run path") || msg.contains("invalid"), "{msg}")
                }
                other => panic!("{input}: {other:?}"),
            }
        }
    }

    #[test]
    fn project_paths() {
        assert_eq!(
            parse_project_path("ent/proj", None).unwrap(),
            ProjectPath {
                entity: "ent".into(),
                project: "proj".into()
            }
        );
        assert_eq!(
            parse_project_path("proj", Some("me")).unwrap(),
            ProjectPath {
                entity: "me".into(),
                project: "proj".into()
            }
        );
        assert!(matches!(
            parse_project_path("proj", None),
            Err(AgentError::BadInput(_))
        ));
        assert!(matches!(
            parse_project_path("a/b/c", None),
            Err(AgentError::BadInput(_))
        ));
        assert!(matches!(
            parse_project_path("a/\"b", None),
            Err(AgentError::BadInput(_))
        ));
    }

    #[test]
    fn origins_drop_paths_and_signatures() {
        assert_eq!(
            origin_of("https://storage.googleapis.com/b/k?Signature=abc"),
            "https://storage.googleapis.com"
        );
        assert_eq!(
            origin_of("http://127.0.0.1:9/collect"),
            "http://127.0.0.1:9"
        );
    }
}
