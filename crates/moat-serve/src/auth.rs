//! Tokens on requests. When the server requires them (any address but loopback, or
//! `--require-tokens`), every request carries one — `Authorization: Bearer TOKEN`, or the
//! cookie the sign-in form sets — and pushing needs the push scope.

use crate::{AppError, Shared};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use moat_store::{Scope, TokenInfo};

/// Who made a request, when tokens are required.
#[derive(Clone, Debug)]
pub(crate) struct Caller(pub(crate) Option<TokenInfo>);

impl Caller {
    /// Whether the caller may do what `needed` allows (always, when tokens are not required).
    pub(crate) fn may(&self, needed: Scope, auth: bool) -> bool {
        !auth || self.0.as_ref().is_some_and(|t| t.scope.allows(needed))
    }
}

const COOKIE: &str = "moat_token";

/// The token a request presents, if any.
fn presented(headers: &HeaderMap) -> Option<String> {
    if let Some(v) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        return v.strip_prefix("Bearer ").map(|t| t.trim().to_string());
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| {
            c.trim()
                .strip_prefix(&format!("{COOKIE}="))
                .map(str::to_string)
        })
}

/// Lets a request through when it may be served, with who made it.
pub(crate) async fn check(State(s): State<Shared>, mut req: Request, next: Next) -> Response {
    let json = req.uri().path().starts_with("/api/");
    let caller = match presented(req.headers()) {
        Some(t) => match s.store.verify_token(&t).await {
            Ok(Some(info)) => Some(info),
            Ok(None) if s.auth => return deny(AppError::unauthorized(), json),
            Ok(None) => None,
            Err(e) => return deny(AppError::from(e), json),
        },
        None if s.auth => return deny(AppError::unauthorized(), json),
        None => None,
    };
    req.extensions_mut().insert(Caller(caller));
    next.run(req).await
}

fn deny(e: AppError, json: bool) -> Response {
    if json { e } else { e.page() }.into_response()
}

pub(crate) const LOGIN_FORM: &str = "<form method=\"post\" action=\"/login\" class=\"login\">\
<label>Token <input type=\"password\" name=\"token\" autocomplete=\"off\"></label> \
<button type=\"submit\">Sign in</button></form>";

pub(crate) async fn login_form() -> Response {
    crate::pages::layout("Sign in", LOGIN_FORM).into_response()
}

#[derive(serde::Deserialize)]
pub(crate) struct Login {
    token: String,
}

/// Checks a token and keeps it in a cookie only this site's pages send.
pub(crate) async fn login(State(s): State<Shared>, axum::Form(f): axum::Form<Login>) -> Response {
    match s.store.verify_token(f.token.trim()).await {
        Ok(Some(_)) => {
            let mut r = Redirect::to("/").into_response();
            let cookie = format!(
                "{COOKIE}={}; HttpOnly; SameSite=Strict; Path=/",
                f.token.trim()
            );
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            r
        }
        Ok(None) => {
            let mut e = AppError::unauthorized().page();
            e.message = "that token is not valid".into();
            e.status = StatusCode::UNAUTHORIZED;
            e.into_response()
        }
        Err(e) => AppError::from(e).page().into_response(),
    }
}
