"""Complaint categories: a fixed reference list with labels in both languages."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class Category(Base):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    label_en: Mapped[str] = mapped_column(String(100))
    label_zh: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(default=0)  #: display order

    def __repr__(self) -> str:
        return f"<Category {self.code}>"
