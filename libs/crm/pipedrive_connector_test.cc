#include "libs/crm/pipedrive_connector.h"

#include <gtest/gtest.h>

TEST(PipedriveConnector, Placeholder) {}
