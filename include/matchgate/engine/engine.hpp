#pragma once
// Placeholder: the Engine class lands here shortly (see docs/ENGINE.md for the API).
