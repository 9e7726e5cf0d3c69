//! Errors as HTTP answers: bad input is a 4xx with the located messages (JSON for the API, a
//! page otherwise); only a fault of the server itself is a 500.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An answer other than success.
#[derive(Debug)]
pub struct AppError {
    pub status: StatusCode,
    pub message: String,
    /// Located messages (`file:line:column: message`).
    pub details: Vec<String>,
    /// The API's JSON instead of a page.
    pub json: bool,
}

impl AppError {
    fn new(status: StatusCode, message: impl Into<String>) -> AppError {
        AppError {
            status,
            message: message.into(),
            details: Vec::new(),
            json: true,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::BAD_REQUEST, message)
    }

    /// An input that was read and refused: its located messages.
    pub fn unprocessable(message: impl Into<String>, details: Vec<String>) -> AppError {
        AppError {
            details,
            ..AppError::new(StatusCode::UNPROCESSABLE_ENTITY, message)
        }
    }

    pub fn not_found(message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::NOT_FOUND, message)
    }

    pub fn unauthorized() -> AppError {
        AppError::new(
            StatusCode::UNAUTHORIZED,
            "a token is required: send `Authorization: Bearer TOKEN` (or sign in at /login)",
        )
    }

    pub fn forbidden(message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::FORBIDDEN, message)
    }

    pub fn too_large(message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::PAYLOAD_TOO_LARGE, message)
    }

    pub fn busy() -> AppError {
        AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "every analysis worker is busy and the queue is full; try again shortly",
        )
    }

    pub fn internal(message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    /// The same error, answered as a page.
    pub fn page(mut self) -> AppError {
        self.json = false;
        self
    }
}

impl From<moat_store::StoreError> for AppError {
    fn from(e: moat_store::StoreError) -> AppError {
        AppError::internal(e.to_string())
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut r = if self.json {
            let body = json!({
                "error": self.message,
                "status": self.status.as_u16(),
                "details": self.details,
            });
            (self.status, axum::Json(body)).into_response()
        } else {
            let mut body = format!(
                "<p class=\"error\">{}</p>",
                crate::pages::esc(&self.message)
            );
            if !self.details.is_empty() {
                body += "<pre class=\"diagnostics\">";
                for d in &self.details {
                    body += &crate::pages::esc(d);
                    body.push('\n');
                }
                body += "</pre>";
            }
            if self.status == StatusCode::UNAUTHORIZED {
                body += crate::auth::LOGIN_FORM;
            }
            let title = self.status.canonical_reason().unwrap_or("error");
            (self.status, crate::pages::layout(title, &body)).into_response()
        };
        if self.status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"moat\""),
            );
        }
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        r
    }
}
